import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from './server-harness.ts';

const operatorToken = 'operator-token-0123456789';
const workerToken = 'worker-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Route {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const operatorRoutes: Route[] = [
  { method: 'POST', path: '/rollouts', body: { rolloutId: 'from-test' } },
  { method: 'GET', path: '/rollouts' },
  { method: 'GET', path: '/rollouts/r1' },
  { method: 'GET', path: '/attempts' },
  { method: 'GET', path: '/workers' },
  { method: 'GET', path: '/workers/w1' },
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/clock/advance', body: { ms: 1 } },
];

const workerRoutes: Route[] = [
  { method: 'POST', path: '/workers/w1/claim' },
  { method: 'POST', path: '/workers/w1/heartbeat', body: { activeAttempts: [] } },
  {
    method: 'POST',
    path: '/rollouts/r1/attempts/a1/complete',
    body: { workerId: 'w1', status: 'succeeded' },
  },
];

const label = (route: Route) => `${route.method} ${route.path}`;

describe('access tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ operatorToken, workerToken });
    await server.post('/rollouts', { rolloutId: 'r1' }, bearer(operatorToken));
  });
  afterAll(() => server.close());

  const call = (route: Route, headers: Record<string, string> = {}) =>
    server.request(route.method, route.path, { body: route.body, headers });

  describe.each([...operatorRoutes, ...workerRoutes].map((route) => [label(route), route]))(
    '%s',
    (_label, route) => {
      it('is 401 unauthorized without a token', async () => {
        const answer = await call(route);
        expect(answer.status).toBe(401);
        expect(errorOf(answer).code).toBe('unauthorized');
      });

      it('is 401 unauthorized with an unknown token or another scheme', async () => {
        expect((await call(route, bearer(`${operatorToken}x`))).status).toBe(401);
        const basic = await call(route, { authorization: `Basic ${operatorToken}` });
        expect(errorOf(basic).code).toBe('unauthorized');
      });

      it('is allowed with the operator token', async () => {
        const answer = await call(route, bearer(operatorToken));
        expect([401, 403]).not.toContain(answer.status);
      });
    },
  );

  it.each(operatorRoutes.map((route) => [label(route), route]))(
    '%s is 403 forbidden with the worker token',
    async (_label, route) => {
      const answer = await call(route, bearer(workerToken));
      expect(answer.status).toBe(403);
      expect(errorOf(answer).code).toBe('forbidden');
    },
  );

  it.each(workerRoutes.map((route) => [label(route), route]))(
    '%s is allowed with the worker token',
    async (_label, route) => {
      const answer = await call(route, bearer(workerToken));
      expect([401, 403]).not.toContain(answer.status);
    },
  );

  it('leaves GET /health open', async () => {
    expect((await server.get('/health')).status).toBe(200);
  });

  it('checks the token before the body, so a stranger learns nothing about validation', async () => {
    const answer = await server.post('/rollouts', { nonsense: true });
    expect(answer.status).toBe(401);
  });
});

describe('without tokens', () => {
  it('leaves every route open', async () => {
    const server = await startTestServer();
    try {
      for (const route of [...operatorRoutes, ...workerRoutes]) {
        const answer = await server.request(route.method, route.path, { body: route.body });
        expect([401, 403]).not.toContain(answer.status);
      }
    } finally {
      await server.close();
    }
  });
});
