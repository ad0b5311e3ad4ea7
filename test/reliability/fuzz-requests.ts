import fc from 'fast-check';
import {
  bodyRules,
  bodyVerdict,
  combine,
  isId,
  queryRules,
  queryVerdict,
  type BodyRule,
  type Verdict,
} from './api-oracle.ts';

/** A route of the API as the fuzz test sees it: where ids go, what query and body it takes. */
export interface FuzzRoute {
  method: 'GET' | 'POST';
  /** The path with `:name` for each id segment, e.g. `/workers/:workerId/claim`. */
  template: string;
  query: keyof typeof queryRules;
  body: BodyRule;
  /** Bodies the contract accepts, so the fuzz also checks that nothing valid is refused. */
  validBody: fc.Arbitrary<unknown>;
  /** Bodies close to valid ones, so the fuzz reaches the checks behind the first one. */
  nearBody: fc.Arbitrary<unknown>;
}

/** One generated request and the contract's verdict on it. */
export interface FuzzRequest {
  path: string;
  body: { contentType?: string; text?: string };
  verdict: Verdict;
}

const idAlphabet = 'ABCXYZabcxyz0189._:-'.split('');

/** Valid ids of every length up to the limit, from every class of the alphabet. */
const validId = fc
  .array(fc.constantFrom(...idAlphabet), { minLength: 1, maxLength: 128 })
  .map((chars) => chars.join(''));

/** Values where an id is expected: valid ids, ids one too long, any string, any JSON. */
export const idLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: validId },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(129), '', 'a/b', '$all', 'a b', 'é') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 140 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Numbers around the documented ranges, and things that are not integers at all. */
const numberLike = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.integer({ min, max }),
    fc.constantFrom(min - 1, max + 1, min + 0.5, -0, 1e21, String(min), null, true),
    fc.double(),
    fc.jsonValue({ maxDepth: 1 }),
  );

const extraField = fc.option(fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })), {
  freq: 4,
});

/** A record of near-valid fields, sometimes with one field too many. */
function nearRecord(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), extraField)
    .map(([record, extra]) => (extra === null ? record : { ...record, [extra[0]]: extra[1] }));
}

const attemptRef = nearRecord({ rolloutId: idLike, attemptId: idLike });
const validRef = fc.record({ rolloutId: validId, attemptId: validId });
const absent = fc.constant(undefined);

export const fuzzRoutes: FuzzRoute[] = [
  {
    method: 'POST',
    template: '/rollouts',
    query: 'none',
    body: bodyRules.enqueue,
    validBody: fc.record(
      {
        rolloutId: validId,
        input: fc.jsonValue(),
        maxAttempts: fc.integer({ min: 1, max: 100 }),
        heartbeatTimeoutMs: fc.integer({ min: 100, max: 86_400_000 }),
      },
      { requiredKeys: [] },
    ),
    nearBody: nearRecord({
      rolloutId: idLike,
      input: fc.jsonValue(),
      maxAttempts: numberLike(1, 100),
      heartbeatTimeoutMs: numberLike(100, 86_400_000),
    }),
  },
  {
    method: 'POST',
    template: '/workers/:workerId/claim',
    query: 'none',
    body: bodyRules.claim,
    validBody: fc.constantFrom({}, undefined),
    nearBody: nearRecord({}),
  },
  {
    method: 'POST',
    template: '/workers/:workerId/heartbeat',
    query: 'none',
    body: bodyRules.heartbeat,
    validBody: fc.record({ activeAttempts: fc.array(validRef, { maxLength: 4 }) }),
    nearBody: nearRecord({
      activeAttempts: fc.oneof(fc.array(attemptRef, { maxLength: 4 }), fc.jsonValue()),
    }),
  },
  {
    method: 'POST',
    template: '/rollouts/:rolloutId/attempts/:attemptId/complete',
    query: 'none',
    body: bodyRules.complete,
    validBody: fc.record(
      {
        workerId: fc.oneof(fc.constant('w1'), validId),
        status: fc.constantFrom('succeeded', 'failed'),
        output: fc.oneof(absent, fc.jsonValue()),
        error: fc.oneof(absent, fc.string()),
      },
      { requiredKeys: ['workerId', 'status'] },
    ),
    nearBody: nearRecord({
      workerId: idLike,
      status: fc.oneof(fc.constantFrom('succeeded', 'failed', 'timeout', 'SUCCEEDED'), fc.string()),
      output: fc.jsonValue(),
      error: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    }),
  },
  {
    method: 'POST',
    template: '/clock/advance',
    query: 'none',
    body: bodyRules.advance,
    validBody: fc.record({ ms: fc.integer({ min: 1, max: 31_536_000_000 }) }),
    nearBody: nearRecord({ ms: numberLike(1, 31_536_000_000) }),
  },
  ...(
    [
      ['/rollouts/:rolloutId', 'none'],
      ['/rollouts', 'rollouts'],
      ['/attempts', 'attempts'],
      ['/workers', 'workers'],
      ['/workers/:workerId', 'none'],
      ['/health', 'none'],
      ['/metrics', 'none'],
    ] as const
  ).map(([template, query]): FuzzRoute => ({
    method: 'GET',
    template,
    query,
    body: bodyRules.ignored,
    validBody: absent,
    nearBody: fc.jsonValue(),
  })),
];

/** A path segment: a known id, an encoded string (judged decoded), or a hostile raw one. */
function segment(knownIds: string[]): fc.Arbitrary<{ text: string; verdict: Verdict }> {
  const judged = (value: string) => ({
    text: encodeURIComponent(value),
    verdict: isId(value) ? ('valid' as const) : ('invalid' as const),
  });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...knownIds).map(judged) },
    {
      weight: 6,
      arbitrary: idLike
        .filter((value): value is string => typeof value === 'string' && value.isWellFormed())
        .map(judged),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('.', '..', '%', '%2', '%zz', '%00', '%2e%2e', '%2F', '%24all', ';x', '~', "'")
        .map((text) => ({ text, verdict: 'either' as const })),
    },
  );
}

const queryKey = fc.oneof(
  fc.constantFrom('limit', 'after', 'status', 'workerId', 'rolloutId', '__proto__', 'LIMIT'),
  fc.string({ maxLength: 10 }),
);
const queryValue = fc.oneof(
  fc.constantFrom('1', '1000', '1001', '0', '-1', '007', 'queuing', 'timeout', 'w1', ''),
  fc.integer().map(String),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Decoded query pairs, mostly none so that most requests also reach the body checks. */
const queryPairs = fc.oneof(
  { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 2,
    arbitrary: fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 3 }),
  },
);

const encodePair = ([key, value]: readonly [string, string]) =>
  `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;

const wellFormed = (pairs: [string, string][]) =>
  pairs.every(([key, value]) => key.isWellFormed() && value.isWellFormed());

/** Bodies: none, near-valid JSON, any JSON, any string as JSON, or another media type. */
function bodyFor(route: FuzzRoute): fc.Arbitrary<{ contentType?: string; text?: string }> {
  const json = (value: unknown) =>
    value === undefined ? {} : { contentType: 'application/json', text: JSON.stringify(value) };
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 3, arbitrary: route.validBody.map(json) },
    { weight: 4, arbitrary: route.nearBody.map(json) },
    { weight: 2, arbitrary: fc.jsonValue().map(json) },
    {
      weight: 2,
      arbitrary: fc.record({
        contentType: fc.constantFrom('application/json', 'text/plain', 'application/xml', ''),
        text: fc.string({ unit: 'binary', maxLength: 60 }),
      }),
    },
  );
}

/**
 * Requests to one route with arbitrary segments, query and body, each with its verdict.
 * `knownIds` name things the server holds, so that some requests meet real state.
 */
export function fuzzRequests(route: FuzzRoute, knownIds: string[]): fc.Arbitrary<FuzzRequest> {
  const names = route.template.match(/:\w+/g) ?? [];
  return fc
    .record({
      segments: fc.tuple(...names.map(() => segment(knownIds))),
      query: queryPairs.filter(wellFormed),
      body: bodyFor(route),
    })
    .map(({ segments, query, body }) => {
      let path = route.template;
      names.forEach((name, index) => {
        path = path.replace(name, segments[index]?.text ?? '');
      });
      if (query.length > 0) path += `?${query.map(encodePair).join('&')}`;
      const verdict = combine(
        ...segments.map((s) => s.verdict),
        queryVerdict(query, queryRules[route.query]),
        bodyVerdict(body, route.body, route.method),
      );
      return { path, body, verdict };
    });
}
