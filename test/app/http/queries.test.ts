import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptViewSchema, pageSchema, rolloutViewSchema } from '../../../src/app/client/views.ts';
import { errorOf, startTestServer, type TestServer } from './server-harness.ts';

const rolloutPage = pageSchema(rolloutViewSchema);
const attemptPage = pageSchema(attemptViewSchema);

describe('HTTP queries', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it('GET /rollouts/:rolloutId shows the rollout with its attempts, and 404 for an unknown one', async () => {
    await server.post('/rollouts', { rolloutId: 'r1', input: { n: 1 }, maxAttempts: 2 });
    const claim = await server.claim('w1');

    const answer = await server.get('/rollouts/r1');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      rolloutId: 'r1',
      status: 'running',
      maxAttempts: 2,
      input: { n: 1 },
      attempts: [
        {
          rolloutId: 'r1',
          attemptId: claim.attemptId,
          attemptNumber: 1,
          workerId: 'w1',
          status: 'running',
          startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
          lastHeartbeatAt: expect.any(String),
        },
      ],
    });

    const missing = await server.get('/rollouts/r2');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('not_found');
  });

  it('GET /rollouts filters by status and pages with limit, after and next', async () => {
    for (const rolloutId of ['a', 'b', 'c']) await server.post('/rollouts', { rolloutId });
    await server.claim('w1');

    const queuing = rolloutPage.parse((await server.get('/rollouts?status=queuing')).body);
    expect(queuing.items.map((rollout) => rollout.rolloutId)).toEqual(['b', 'c']);

    const first = rolloutPage.parse((await server.get('/rollouts?limit=2')).body);
    expect(first.items.map((rollout) => rollout.rolloutId)).toEqual(['a', 'b']);
    expect(first.next).toMatch(/^\d+$/);
    const second = rolloutPage.parse(
      (await server.get(`/rollouts?limit=2&after=${first.next}`)).body,
    );
    expect(second.items.map((rollout) => rollout.rolloutId)).toEqual(['c']);
    expect(second.next).toBeUndefined();
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['after=-1', 'after'],
    ['after=abc', 'after'],
    ['status=paused', 'status'],
    ['sort=asc', 'sort'],
  ])('GET /rollouts?%s is 400 naming %s', async (query, path) => {
    const answer = await server.get(`/rollouts?${query}`);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).details).toEqual([expect.objectContaining({ in: 'query', path })]);
  });

  it('GET /attempts filters by status, worker and rollout', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    await server.post('/rollouts', { rolloutId: 'r2' });
    const first = await server.claim('w1');
    await server.claim('w2');
    await server.post(`/rollouts/r1/attempts/${first.attemptId}/complete`, {
      workerId: 'w1',
      status: 'succeeded',
    });

    const ids = async (query: string) => {
      const page = attemptPage.parse((await server.get(`/attempts?${query}`)).body);
      return page.items.map((item) => item.rolloutId);
    };
    expect(await ids('')).toEqual(['r1', 'r2']);
    expect(await ids('status=running')).toEqual(['r2']);
    expect(await ids('workerId=w1')).toEqual(['r1']);
    expect(await ids('rolloutId=r2&status=running')).toEqual(['r2']);
    expect(await ids('status=timeout')).toEqual([]);

    const bad = await server.get('/attempts?worker=w1');
    expect(errorOf(bad).details).toEqual([
      { in: 'query', path: 'worker', message: 'unknown query parameter' },
    ]);
  });

  it('GET /workers and /workers/:workerId show status, last sign of life and active attempts', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    const claim = await server.claim('busy');
    await server.post('/workers/idle/heartbeat', { activeAttempts: [] });

    const list = await server.get('/workers');
    expect(list.body).toEqual({
      items: [
        {
          workerId: 'busy',
          status: 'active',
          lastHeartbeatAt: expect.any(String),
          activeAttempts: [{ rolloutId: 'r1', attemptId: claim.attemptId }],
        },
        {
          workerId: 'idle',
          status: 'idle',
          lastHeartbeatAt: expect.any(String),
          activeAttempts: [],
        },
      ],
    });

    await server.advance(31_000);
    expect((await server.get('/workers/idle')).body).toMatchObject({ status: 'stale' });
    const missing = await server.get('/workers/nobody');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('not_found');
  });

  it('GET /health names the store and the projection position', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    const answer = await server.get('/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'ok',
      store: 'memory',
      projectionPosition: server.engine.projectionPosition(),
    });
    expect(server.engine.projectionPosition()).toBeGreaterThanOrEqual(0);
  });

  it('GET /metrics counts attempts, requeues and heartbeats, with lag and command latency', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    const claim = await server.claim('w1');
    const ref = { rolloutId: 'r1', attemptId: claim.attemptId };
    await server.post('/workers/w1/heartbeat', { activeAttempts: [ref] });
    await server.advance(31_000);

    const answer = await server.get('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const value = (name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(answer.text)?.[1];
    expect(value('vigil_attempts_started_total')).toBe('1');
    expect(value('vigil_attempts_timed_out_total')).toBe('1');
    expect(value('vigil_rollouts_requeued_total')).toBe('1');
    expect(value('vigil_attempts_succeeded_total')).toBe('0');
    expect(value('vigil_heartbeats_received_total')).toBe('1');
    expect(value('vigil_projection_lag_events')).toBe('0');
    expect(answer.text).toMatch(
      /^vigil_command_duration_seconds_count\{command="claim",outcome="ok"\} 1$/m,
    );
  });

  it('finds ids of 128 characters in paths, and refuses longer or malformed ones with 400', async () => {
    const longest = 'r'.repeat(128);
    await server.post('/rollouts', { rolloutId: longest });
    expect((await server.get(`/rollouts/${longest}`)).body).toMatchObject({ rolloutId: longest });

    const tooLong = await server.get(`/rollouts/${longest}r`);
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong).details).toEqual([expect.objectContaining({ path: 'rolloutId' })]);

    for (const path of [`/rollouts/${'r'.repeat(1000)}`, '/rollouts/%E0%A4%A']) {
      const answer = await server.get(path);
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('invalid_request');
    }
  });

  it('answers an unknown route and a wrong method with 404 not_found in the error shape', async () => {
    const unknown = await server.get('/queues');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'not_found', message: 'no route GET /queues' });

    const wrongMethod = await server.request('DELETE', '/rollouts/r1');
    expect(wrongMethod.status).toBe(404);
    expect(errorOf(wrongMethod).code).toBe('not_found');
  });
});
