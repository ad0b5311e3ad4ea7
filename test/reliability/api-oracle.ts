/**
 * What API.md (and the limits in the README) say about a request's shape, written from the
 * documents rather than from the server's schemas, so the fuzz test compares two readings of
 * the contract. A verdict is `valid`, `invalid`, or `either` where the contract leaves it open.
 */
export type Verdict = 'valid' | 'invalid' | 'either';

/** The documented limits: a body, a rollout's input or an attempt's output, an error message. */
export const documentedLimits = {
  bodyBytes: 512 * 1024,
  payloadBytes: 64 * 1024,
  errorMessageChars: 8 * 1024,
  activeAttempts: 1000,
  idChars: 128,
};

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isId = (value: unknown): boolean => typeof value === 'string' && ID.test(value);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isIntegerIn = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

const fitsPayload = (value: unknown): boolean =>
  value === undefined || Buffer.byteLength(JSON.stringify(value)) <= documentedLimits.payloadBytes;

const onlyKeys = (value: Record<string, unknown>, allowed: string[]): boolean =>
  Object.keys(value).every((key) => allowed.includes(key));

const verdict = (ok: boolean): Verdict => (ok ? 'valid' : 'invalid');

/** Combines the verdicts of a request's parts: one invalid part makes it invalid. */
export function combine(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('invalid')) return 'invalid';
  return verdicts.includes('either') ? 'either' : 'valid';
}

/** Body rules per command, on the parsed JSON value (undefined when no body is sent). */
export const bodyRules = {
  enqueue(body: unknown): Verdict {
    if (body === undefined) return 'valid';
    if (!isRecord(body)) return 'invalid';
    const { rolloutId, input, maxAttempts, heartbeatTimeoutMs } = body;
    return verdict(
      onlyKeys(body, ['rolloutId', 'input', 'maxAttempts', 'heartbeatTimeoutMs']) &&
        (rolloutId === undefined || isId(rolloutId)) &&
        (maxAttempts === undefined || isIntegerIn(maxAttempts, 1, 100)) &&
        (heartbeatTimeoutMs === undefined || isIntegerIn(heartbeatTimeoutMs, 100, 86_400_000)) &&
        fitsPayload(input),
    );
  },

  claim(body: unknown): Verdict {
    return verdict(body === undefined || (isRecord(body) && Object.keys(body).length === 0));
  },

  heartbeat(body: unknown): Verdict {
    if (!isRecord(body) || !onlyKeys(body, ['activeAttempts'])) return 'invalid';
    const { activeAttempts } = body;
    if (!Array.isArray(activeAttempts)) return 'invalid';
    if (activeAttempts.length > documentedLimits.activeAttempts) return 'invalid';
    const isRef = (ref: unknown) =>
      isRecord(ref) &&
      onlyKeys(ref, ['rolloutId', 'attemptId']) &&
      isId(ref.rolloutId) &&
      isId(ref.attemptId);
    return verdict(activeAttempts.every(isRef));
  },

  complete(body: unknown): Verdict {
    if (!isRecord(body)) return 'invalid';
    const { workerId, status, output, error } = body;
    return verdict(
      onlyKeys(body, ['workerId', 'status', 'output', 'error']) &&
        isId(workerId) &&
        (status === 'succeeded' || status === 'failed') &&
        fitsPayload(output) &&
        (error === undefined ||
          (typeof error === 'string' && error.length <= documentedLimits.errorMessageChars)),
    );
  },

  advance(body: unknown): Verdict {
    return verdict(
      isRecord(body) && onlyKeys(body, ['ms']) && isIntegerIn(body.ms, 1, 31_536_000_000),
    );
  },

  /** Queries ignore a body. */
  ignored: (): Verdict => 'valid',
};

export type BodyRule = (body: unknown) => Verdict;

const rolloutStatuses = ['queuing', 'running', 'requeuing', 'succeeded', 'failed'];
const attemptStatuses = ['running', 'succeeded', 'failed', 'timeout'];

type ParameterRule = (value: string) => Verdict;

const limitRule: ParameterRule = (value) =>
  verdict(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 1000);
/** `after` is whatever a previous page's `next` was: the contract does not say more. */
const afterRule: ParameterRule = () => 'either';
const oneOf =
  (allowed: string[]): ParameterRule =>
  (value) =>
    verdict(allowed.includes(value));
const idRule: ParameterRule = (value) => verdict(isId(value));

/** Query parameters each route takes; a route not listed takes none. */
export const queryRules = {
  none: {} as Record<string, ParameterRule>,
  rollouts: { limit: limitRule, after: afterRule, status: oneOf(rolloutStatuses) },
  attempts: {
    limit: limitRule,
    after: afterRule,
    status: oneOf(attemptStatuses),
    workerId: idRule,
    rolloutId: idRule,
  },
  workers: { limit: limitRule, after: afterRule },
};

/** The verdict on decoded query pairs; a repeated parameter is left open by the contract. */
export function queryVerdict(
  pairs: readonly (readonly [string, string])[],
  rules: Record<string, ParameterRule>,
): Verdict {
  const keys = pairs.map(([key]) => key);
  if (new Set(keys).size !== keys.length) return 'either';
  return combine(
    ...pairs.map(([key, value]) => {
      const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
      return rule ? rule(value) : 'invalid';
    }),
  );
}

/** The verdict on a body as sent: its media type, its text, and what the text means. */
export function bodyVerdict(
  body: { contentType?: string; text?: string },
  rule: BodyRule,
  method: string,
): Verdict {
  if (method === 'GET') return 'valid';
  if (body.text === undefined) return rule(undefined);
  if (Buffer.byteLength(body.text) > documentedLimits.bodyBytes) return 'invalid';
  const contentType = body.contentType ?? '';
  if (!/^application\/json(;|$)/i.test(contentType)) return body.text === '' ? 'either' : 'invalid';

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return 'invalid';
  }
  // A JSON parser may refuse prototype keys outright; the contract says nothing either way.
  if (/"(__proto__|constructor|prototype)"/.test(body.text)) {
    return rule(parsed) === 'invalid' ? 'invalid' : 'either';
  }
  return rule(parsed);
}
