import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../app/http/server-harness.ts';
import { fuzzRequests, fuzzRoutes, type FuzzRequest, type FuzzRoute } from './fuzz-requests.ts';
import { errorCodeOf, rawHttp, type RawAnswer } from './raw-http.ts';
import { FUZZ_RUNS, RELIABILITY_TIMEOUT_MS } from './scale.ts';

/** How the server may refuse a request the contract calls malformed. */
const malformedAnswers = [
  '400 invalid_request',
  '400 invalid_json',
  '404 not_found',
  '413 body_too_large',
  '413 input_too_large',
  '413 output_too_large',
  '415 unsupported_media_type',
];

/** A well-formed request may still meet a state that refuses it, but never a 400, 413 or 415. */
const wellFormedStatuses = [200, 201, 204, 404, 409];

const STREAM_NAME = /^((rollout|worker)-[A-Za-z0-9._:-]{1,128}|ticks)$/;

function describeExchange(route: FuzzRoute, request: FuzzRequest, answer: RawAnswer): string {
  const body = request.body.text === undefined ? '' : ` ${request.body.text.slice(0, 200)}`;
  return (
    `${route.method} ${request.path} [${request.body.contentType ?? 'no content-type'}]${body}` +
    ` (contract: ${request.verdict}) → ${answer.status} ${answer.text.slice(0, 300)}`
  );
}

describe('fuzzing every route with arbitrary paths, queries and bodies', () => {
  let server: TestServer;
  let http: ReturnType<typeof rawHttp>;
  const knownIds = ['r1', 'r2', 'w1'];
  beforeAll(async () => {
    server = await startTestServer();
    http = rawHttp(server.url);
    // Some state, so that well-formed requests meet rollouts, attempts and workers.
    await server.post('/rollouts', { rolloutId: 'r1', input: { n: 1 } });
    await server.post('/rollouts', { rolloutId: 'r2' });
    knownIds.push((await server.claim('w1')).attemptId);
  });
  afterAll(async () => {
    http.close();
    await server.close();
  });

  async function exchange(route: FuzzRoute, request: FuzzRequest): Promise<void> {
    const before = await server.engine.store.headPosition();
    const { contentType, text } = request.body;
    const answer = await http.send({
      method: route.method,
      path: request.path,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: text,
    });
    const after = await server.engine.store.headPosition();
    const context = describeExchange(route, request, answer);

    expect(answer.status, context).toBeLessThan(500);
    if (answer.status >= 400) {
      expect(errorCodeOf(answer), context).toBeDefined();
      expect(after, `a refused request appended events: ${context}`).toBe(before);
    }
    if (request.verdict === 'invalid') {
      expect(malformedAnswers, context).toContain(`${answer.status} ${errorCodeOf(answer)}`);
    }
    if (request.verdict === 'valid') expect(wellFormedStatuses, context).toContain(answer.status);
  }

  it.each(fuzzRoutes.map((route) => [`${route.method} ${route.template}`, route] as const))(
    '%s answers every request with a 4xx and an error code or a success, never a 5xx, and a refusal appends nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(fuzzRequests(route, knownIds), (request) => exchange(route, request)),
        { numRuns: FUZZ_RUNS },
      );
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it('keeps every stream the fuzzed requests created inside its own name: rollout-<id>, worker-<id> or ticks', async () => {
    const events = await server.engine.store.readAll();
    const streams = new Set(events.map((event) => event.stream));
    expect(streams.size).toBeGreaterThan(2);
    for (const stream of streams) expect(stream).toMatch(STREAM_NAME);
  });
});
