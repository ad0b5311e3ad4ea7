import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../app/http/server-harness.ts';
import { errorCodeOf, rawHttp } from './raw-http.ts';
import { FUZZ_RUNS, RELIABILITY_TIMEOUT_MS } from './scale.ts';
import { startServerProcess } from './server-process.ts';

// The per-route missing / unknown / right token matrix is in test/app/http/access.test.ts;
// these tests add what it leaves out: near-miss tokens, refusals appending nothing, exact
// success with the right token, HEAD requests, and tokens beyond loopback.

const operatorToken = 'operator-token-0123456789abcdef';
const workerToken = 'worker-token-0123456789abcdef';
const operator = { authorization: `Bearer ${operatorToken}` };

interface Route {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  body?: unknown;
  worker: boolean;
  /** The status a permitted request gets (r1 is enqueued and claimed, nothing else queued). */
  permitted: number;
}

const routes: Route[] = [
  { method: 'POST', path: '/rollouts', body: { rolloutId: 'r1' }, worker: false, permitted: 200 },
  { method: 'GET', path: '/rollouts', worker: false, permitted: 200 },
  { method: 'HEAD', path: '/rollouts', worker: false, permitted: 200 },
  { method: 'GET', path: '/rollouts/r1', worker: false, permitted: 200 },
  { method: 'GET', path: '/attempts', worker: false, permitted: 200 },
  { method: 'GET', path: '/workers', worker: false, permitted: 200 },
  { method: 'GET', path: '/workers/w1', worker: false, permitted: 200 },
  { method: 'GET', path: '/metrics', worker: false, permitted: 200 },
  { method: 'POST', path: '/clock/advance', body: { ms: 1 }, worker: false, permitted: 200 },
  { method: 'POST', path: '/workers/w2/claim', worker: true, permitted: 204 },
  {
    method: 'POST',
    path: '/workers/w1/heartbeat',
    body: { activeAttempts: [] },
    worker: true,
    permitted: 200,
  },
  {
    method: 'POST',
    path: '/rollouts/r1/attempts/unknown/complete',
    body: { workerId: 'w1', status: 'succeeded' },
    worker: true,
    permitted: 404,
  },
];

/** Authorization headers that are not `Bearer <a token>`: near misses and noise. */
const wrongAuthorization = fc.oneof(
  fc.constantFrom(operatorToken, workerToken).chain((token) =>
    fc.oneof(
      fc.constant(token),
      fc.constant(`Bearer ${token.slice(0, -1)}`),
      fc.constant(`Bearer ${token}x`),
      fc.constant(`Bearer ${token.toUpperCase()}`),
      fc.constant(`Bearer ${token}${token}`),
      fc.constant(`Basic ${token}`),
      fc.constant(`Token ${token}`),
      fc.constant(`Bearer ${token.slice(1)}`),
      fc.nat({ max: token.length - 1 }).map((at) => {
        const changed = token[at] === 'a' ? 'b' : 'a';
        return `Bearer ${token.slice(0, at)}${changed}${token.slice(at + 1)}`;
      }),
    ),
  ),
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Bearer  ', 'bearer'),
  fc
    .string({ unit: 'binary-ascii', maxLength: 80 })
    .map((text) => text.replace(/[^\x20-\x7e]/g, '')),
);

describe('bearer tokens', () => {
  let server: TestServer;
  let http: ReturnType<typeof rawHttp>;
  beforeAll(async () => {
    server = await startTestServer({ operatorToken, workerToken });
    http = rawHttp(server.url);
    await server.post('/rollouts', { rolloutId: 'r1' }, operator);
    await server.request('POST', '/workers/w1/claim', { headers: operator });
  });
  afterAll(async () => {
    http.close();
    await server.close();
  });

  const send = (route: Route, authorization?: string) =>
    http.send({
      method: route.method,
      path: route.path,
      headers: {
        ...(authorization === undefined ? {} : { authorization }),
        ...(route.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: route.body === undefined ? undefined : JSON.stringify(route.body),
    });

  it(
    'refuses every route with 401 for anything but a bearer token it knows, appending nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), wrongAuthorization, async (route, header) => {
          const before = await server.engine.store.headPosition();
          const answer = await send(route, header);
          const context = `${route.method} ${route.path} with ${JSON.stringify(header)}`;
          expect(answer.status, context).toBe(401);
          if (route.method !== 'HEAD') expect(errorCodeOf(answer), context).toBe('unauthorized');
          expect(await server.engine.store.headPosition(), context).toBe(before);
        }),
        { numRuns: FUZZ_RUNS * 2 },
      );
    },
    RELIABILITY_TIMEOUT_MS,
  );

  it('refuses the worker token on every operator route with 403 forbidden, appending nothing', async () => {
    for (const route of routes.filter((candidate) => !candidate.worker)) {
      const before = await server.engine.store.headPosition();
      const answer = await send(route, `Bearer ${workerToken}`);
      expect(answer.status, route.path).toBe(403);
      expect(await server.engine.store.headPosition()).toBe(before);
    }
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s does its work with the operator token, and with the worker token on a worker route',
    async (_name, route) => {
      expect((await send(route, `Bearer ${operatorToken}`)).status).toBe(route.permitted);
      if (route.worker)
        expect((await send(route, `Bearer ${workerToken}`)).status).toBe(route.permitted);
    },
  );

  it('completes an attempt with the worker token, and takes the repeat with the operator token', async () => {
    const attempt = (await server.get('/rollouts/r1', operator)).body;
    const attemptId = z
      .object({ attempts: z.array(z.object({ attemptId: z.string() })) })
      .parse(attempt).attempts[0]?.attemptId;
    const complete: Route = {
      method: 'POST',
      path: `/rollouts/r1/attempts/${attemptId}/complete`,
      body: { workerId: 'w1', status: 'succeeded', output: 'done' },
      worker: true,
      permitted: 200,
    };
    expect((await send(complete, `Bearer ${workerToken}`)).status).toBe(200);
    expect((await send(complete, `Bearer ${operatorToken}`)).status).toBe(200);
    expect((await server.get('/rollouts/r1', operator)).body).toMatchObject({
      status: 'succeeded',
    });
  });

  it('answers GET /health whatever the Authorization header says', async () => {
    const health: Route = { method: 'GET', path: '/health', worker: false, permitted: 200 };
    await fc.assert(
      fc.asyncProperty(wrongAuthorization, async (header) => {
        expect((await send(health, header)).status).toBe(200);
      }),
      { numRuns: 50 },
    );
    expect((await send(health)).status).toBe(200);
    expect((await send(health, `Bearer ${workerToken}`)).status).toBe(200);
  });
});

describe('listening beyond loopback', () => {
  it('is allowed with tokens (no VIGIL_ALLOW_INSECURE), and then every route but /health needs one', async () => {
    const server = await startServerProcess({
      VIGIL_HOST: '0.0.0.0',
      VIGIL_STORE: 'memory:',
      VIGIL_OPERATOR_TOKEN: operatorToken,
    });
    try {
      const port = new URL(server.url).port;
      const local = `http://127.0.0.1:${port}`;
      expect((await fetch(`${local}/health`)).status).toBe(200);
      expect((await fetch(`${local}/rollouts`)).status).toBe(401);
      const authorized = { headers: { authorization: `Bearer ${operatorToken}` } };
      expect((await fetch(`${local}/rollouts`, authorized)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
