import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  advanceClockResponseSchema,
  completeResponseSchema,
} from '../../../src/app/client/views.ts';
import { errorOf, startTestServer, type TestServer } from './server-harness.ts';

describe('HTTP worker commands and the clock', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  describe('POST /workers/:workerId/claim', () => {
    it('answers 204 with an empty body when nothing is claimable', async () => {
      const answer = await server.post('/workers/w1/claim');
      expect(answer.status).toBe(204);
      expect(answer.text).toBe('');
    });

    it('hands out the rollout that waited longest, each to one worker', async () => {
      await server.post('/rollouts', { rolloutId: 'first', input: { n: 1 } });
      await server.post('/rollouts', { rolloutId: 'second' });

      const first = await server.claim('w1');
      expect(first).toMatchObject({ rolloutId: 'first', attemptNumber: 1, input: { n: 1 } });
      expect(first.attemptId).toEqual(expect.any(String));
      expect(await server.claim('w2')).toMatchObject({ rolloutId: 'second' });
      expect((await server.post('/workers/w3/claim')).status).toBe(204);
    });

    it('accepts an empty JSON object as the body but nothing else', async () => {
      expect((await server.post('/workers/w1/claim', {})).status).toBe(204);
      const answer = await server.post('/workers/w1/claim', { max: 2 });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).details).toEqual([
        { in: 'body', path: 'max', message: 'unknown field' },
      ]);
    });

    it('rejects a worker id outside the id alphabet', async () => {
      const answer = await server.post('/workers/w%20one/claim');
      expect(answer.status).toBe(400);
      expect(errorOf(answer).details).toEqual([
        expect.objectContaining({ in: 'params', path: 'workerId' }),
      ]);
    });
  });

  describe('POST /workers/:workerId/heartbeat', () => {
    it('lists named attempts that are not running on this worker, with their status', async () => {
      await server.post('/rollouts', { rolloutId: 'r1' });
      const mine = await server.claim('w1');
      const mineRef = { rolloutId: mine.rolloutId, attemptId: mine.attemptId };
      const unknownRef = { rolloutId: 'r1', attemptId: 'nope' };

      const answer = await server.post('/workers/w2/heartbeat', {
        activeAttempts: [mineRef, unknownRef],
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        cancelledAttempts: [
          { ...mineRef, status: 'running' },
          { ...unknownRef, status: 'unknown' },
        ],
      });

      const own = await server.post('/workers/w1/heartbeat', { activeAttempts: [mineRef] });
      expect(own.body).toEqual({ cancelledAttempts: [] });
    });

    it('reports an attempt that timed out, so its worker can stop the zombie work', async () => {
      await server.post('/rollouts', { rolloutId: 'r1' });
      const claim = await server.claim('w1');
      await server.advance(31_000);

      const ref = { rolloutId: claim.rolloutId, attemptId: claim.attemptId };
      const answer = await server.post('/workers/w1/heartbeat', { activeAttempts: [ref] });
      expect(answer.body).toEqual({ cancelledAttempts: [{ ...ref, status: 'timeout' }] });
    });

    it('refuses more than 1,000 attempts, and a body without activeAttempts', async () => {
      const refs = Array.from({ length: 1001 }, (_, i) => ({ rolloutId: 'r', attemptId: `a${i}` }));
      const tooMany = await server.post('/workers/w1/heartbeat', { activeAttempts: refs });
      expect(tooMany.status).toBe(400);
      expect(errorOf(tooMany).details).toEqual([
        expect.objectContaining({ in: 'body', path: 'activeAttempts' }),
      ]);

      const missing = await server.post('/workers/w1/heartbeat', {});
      expect(missing.status).toBe(400);
      expect(errorOf(missing).code).toBe('invalid_request');
    });
  });

  describe('POST /rollouts/:rolloutId/attempts/:attemptId/complete', () => {
    async function started(maxAttempts = 3) {
      await server.post('/rollouts', { rolloutId: 'r1', maxAttempts });
      return server.claim('w1');
    }
    const completePath = (claim: { rolloutId: string; attemptId: string }) =>
      `/rollouts/${claim.rolloutId}/attempts/${claim.attemptId}/complete`;

    it('ends the attempt and the rollout, and answers both', async () => {
      const claim = await started();
      const answer = await server.post(completePath(claim), {
        workerId: 'w1',
        status: 'succeeded',
        output: { rows: 3 },
      });
      expect(answer.status).toBe(200);
      const { rollout, attempt } = completeResponseSchema.parse(answer.body);
      expect(rollout).toMatchObject({ status: 'succeeded', output: { rows: 3 } });
      expect(attempt).toMatchObject({ status: 'succeeded', endedAt: expect.any(String) });
    });

    it('answers an exact repeat with 200 and any other late result with 409', async () => {
      const claim = await started();
      const result = { workerId: 'w1', status: 'succeeded', output: 1 };
      expect((await server.post(completePath(claim), result)).status).toBe(200);
      expect((await server.post(completePath(claim), result)).status).toBe(200);

      const other = await server.post(completePath(claim), { ...result, output: 2 });
      expect(other.status).toBe(409);
      expect(errorOf(other).code).toBe('attempt_not_running');
      expect((await server.get('/rollouts/r1')).body).toMatchObject({ output: 1 });
    });

    it('refuses a worker the attempt is not assigned to with 409 not_assigned', async () => {
      const claim = await started();
      const answer = await server.post(completePath(claim), { workerId: 'w2', status: 'failed' });
      expect(answer.status).toBe(409);
      expect(errorOf(answer).code).toBe('not_assigned');
    });

    it('answers 404 not_found for an unknown rollout or attempt', async () => {
      const claim = await started();
      const result = { workerId: 'w1', status: 'succeeded' };
      const noRollout = await server.post(completePath({ ...claim, rolloutId: 'r9' }), result);
      const noAttempt = await server.post(completePath({ ...claim, attemptId: 'a9' }), result);
      expect([noRollout.status, noAttempt.status]).toEqual([404, 404]);
      expect(errorOf(noRollout).code).toBe('not_found');
      expect(errorOf(noAttempt).code).toBe('not_found');
    });

    it('requeues a failed attempt while attempts remain, and fails the rollout after the last', async () => {
      const first = await started(2);
      const failed = { workerId: 'w1', status: 'failed', error: 'disk full' };
      const afterFirst = await server.post(completePath(first), failed);
      expect(afterFirst.body).toMatchObject({ rollout: { status: 'requeuing' } });

      const second = await server.claim('w1');
      const afterSecond = await server.post(completePath(second), failed);
      expect(afterSecond.body).toMatchObject({
        rollout: { status: 'failed', error: 'disk full' },
        attempt: { attemptNumber: 2, status: 'failed' },
      });
    });

    it('refuses an output over 64 KiB as 413 output_too_large and keeps the attempt running', async () => {
      const claim = await started();
      const answer = await server.post(completePath(claim), {
        workerId: 'w1',
        status: 'succeeded',
        output: 'x'.repeat(70_000),
      });
      expect(answer.status).toBe(413);
      expect(errorOf(answer).code).toBe('output_too_large');
      expect((await server.get('/rollouts/r1')).body).toMatchObject({ status: 'running' });
    });

    it('rejects a status other than succeeded or failed', async () => {
      const claim = await started();
      const answer = await server.post(completePath(claim), { workerId: 'w1', status: 'done' });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).details).toEqual([
        expect.objectContaining({ in: 'body', path: 'status' }),
      ]);
    });
  });

  describe('POST /clock/advance', () => {
    it('moves the manual clock and answers the new time', async () => {
      const before = await server.post('/clock/advance', { ms: 1 });
      const after = await server.post('/clock/advance', { ms: 60_000 });
      const time = (answer: { body: unknown }) =>
        Date.parse(advanceClockResponseSchema.parse(answer.body).now);
      expect(time(after) - time(before)).toBe(60_000);
    });

    it.each([[0], [1.5], [31_536_000_001], ['10']])('rejects ms = %j', async (ms) => {
      const answer = await server.post('/clock/advance', { ms });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('invalid_request');
    });
  });
});

describe('POST /clock/advance on the system clock', () => {
  it('does not exist', async () => {
    const server = await startTestServer({ clock: 'system' });
    try {
      const answer = await server.post('/clock/advance', { ms: 1000 });
      expect(answer.status).toBe(404);
      expect(errorOf(answer).code).toBe('not_found');
    } finally {
      await server.close();
    }
  });
});
