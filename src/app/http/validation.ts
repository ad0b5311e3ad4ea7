import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from './errors.ts';
import { limits } from './contract.ts';

type RequestPart = 'params' | 'query' | 'body';

/** One thing wrong with a request, e.g. `{ in: 'body', path: 'maxAttempts', message: … }`. */
export interface RequestProblem {
  in: RequestPart;
  path: string;
  message: string;
  /** Which limit was broken, for the limits that have one (`id_too_long`, `too_many_attempts`, …). */
  code?: string;
}

function limitCode(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const code: unknown = issue.params?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeIssues(part: RequestPart, issues: z.core.$ZodIssue[]): RequestProblem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const what = part === 'body' ? 'unknown field' : `unknown ${part} parameter`;
      return issue.keys.map((key) => ({ in: part, path: [...path, key].join('.'), message: what }));
    }
    const code = limitCode(issue);
    return [{ in: part, path: path.join('.'), message: issue.message, ...(code ? { code } : {}) }];
  });
}

interface RequestSchemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: P;
  query: Q;
  body: B;
}

/**
 * Validates a request's path, query and body together, so one 400 lists every problem.
 * Throws `invalid_request` with `details` as a list of {@link RequestProblem}.
 */
export function parseRequest<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  request: FastifyRequest,
  schemas: RequestSchemas<P, Q, B>,
): { params: z.output<P>; query: z.output<Q>; body: z.output<B> } {
  const params = schemas.params.safeParse(request.params);
  const query = schemas.query.safeParse(request.query);
  const body = schemas.body.safeParse(request.body);

  if (params.success && query.success && body.success) {
    return { params: params.data, query: query.data, body: body.data };
  }

  const problems = [
    ...(params.success ? [] : describeIssues('params', params.error.issues)),
    ...(query.success ? [] : describeIssues('query', query.error.issues)),
    ...(body.success ? [] : describeIssues('body', body.error.issues)),
  ];
  const summary = problems.map((problem) => `${problem.path || problem.in}: ${problem.message}`);
  throw new ApiError(400, 'invalid_request', `invalid request: ${summary.join('; ')}`, problems);
}

/** Rejects a rollout input or attempt output whose JSON exceeds the payload limit (413). */
export function checkPayloadSize(value: unknown, name: 'input' | 'output'): void {
  if (value === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > limits.payloadBytes) {
    throw new ApiError(
      413,
      `${name}_too_large`,
      `${name} is ${bytes} bytes of JSON; the limit is ${limits.payloadBytes}`,
      { bytes, limit: limits.payloadBytes },
    );
  }
}
