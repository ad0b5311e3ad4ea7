import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilClient } from '../../src/app/client/client.ts';
import { VigilUnreachableError } from '../../src/app/client/errors.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import { startTestServer, type TestServer } from '../app/http/server-harness.ts';

/**
 * A fetch that delivers every request but can lose the answer to the next one whose path ends
 * with a given suffix, as a dropped connection would: the server acted, the client never knows.
 */
function lossyFetch() {
  const losing: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    const index = losing.findIndex((suffix) => path.endsWith(suffix));
    if (index === -1) return response;
    losing.splice(index, 1);
    await response.arrayBuffer();
    throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
  };
  return { fetch: wrapped, loseNextAnswerTo: (suffix: string) => losing.push(suffix) };
}

describe('client retries', () => {
  let folder: string;
  let server: TestServer;
  let client: VigilClient;
  let net: ReturnType<typeof lossyFetch>;

  const file = () => join(folder, 'vigil.db');
  const start = async () => {
    server = await startTestServer({}, createSqliteStore(file()));
    net = lossyFetch();
    client = new VigilClient({ url: server.url, fetch: net.fetch });
  };
  const eventTypes = async (stream: string) =>
    (await server.engine.store.read(stream)).map((event) => event.type);

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-retries-'));
    await start();
  });
  afterEach(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('creates a rollout once however often, and however concurrently, its enqueue is repeated', async () => {
    const request = { rolloutId: 'r1', input: { n: 1 }, maxAttempts: 2 };
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.enqueue(request)));
    expect(answers.filter((answer) => answer.created)).toHaveLength(1);

    await client.claim('w1');
    const later = await client.enqueue(request);
    expect(later).toMatchObject({ created: false, status: 'running' });
    expect(await eventTypes('rollout-r1')).toEqual(['RolloutEnqueued', 'AttemptStarted']);
  });

  it('answers a retried enqueue whose first answer was lost with the rollout it created', async () => {
    net.loseNextAnswerTo('/rollouts');
    const request = { rolloutId: 'r1', input: 'x' };
    await expect(client.enqueue(request)).rejects.toBeInstanceOf(VigilUnreachableError);

    expect(await client.enqueue(request)).toMatchObject({ created: false, status: 'queuing' });
    expect((await client.listRollouts()).items).toHaveLength(1);
  });

  it('ends an attempt once however often, and however concurrently, its result is repeated', async () => {
    await client.enqueue({ rolloutId: 'r1' });
    const claim = await client.claim('w1');
    if (!claim) throw new Error('nothing claimed');
    const result = { ...claim, workerId: 'w1', status: 'succeeded' as const, output: 42 };
    expect(await client.heartbeat('w1', [claim])).toEqual({ cancelledAttempts: [] });

    const answers = await Promise.all(Array.from({ length: 10 }, () => client.complete(result)));
    expect(answers.map((answer) => answer.rollout.status)).toEqual(Array(10).fill('succeeded'));
    expect(await eventTypes('rollout-r1')).toEqual([
      'RolloutEnqueued',
      'AttemptStarted',
      'AttemptSucceeded',
      'RolloutSucceeded',
    ]);
    await expect(client.complete({ ...result, output: 43 })).rejects.toMatchObject({
      code: 'attempt_not_running',
    });
  });

  it('recognises a repeated result after a restart, from the stream alone', async () => {
    await client.enqueue({ rolloutId: 'r1' });
    const claim = await client.claim('w1');
    if (!claim) throw new Error('nothing claimed');
    const result = { ...claim, workerId: 'w1', status: 'failed' as const, error: 'disk full' };
    net.loseNextAnswerTo('/complete');
    await expect(client.complete(result)).rejects.toBeInstanceOf(VigilUnreachableError);

    await server.close();
    await start();
    const { rollout } = await client.complete(result);
    expect(rollout).toMatchObject({ status: 'requeuing', attempts: [{ status: 'failed' }] });
  });

  it('never hands one rollout to two claims, whoever sends them and however many at once', async () => {
    for (let n = 0; n < 30; n++) await client.enqueue({ rolloutId: `r${n}` });
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => client.claim(`w${i % 6}`)),
    );
    const handedOut = claims.flatMap((claim) => (claim ? [claim.rolloutId] : []));
    expect(handedOut).toHaveLength(30);
    expect(new Set(handedOut).size).toBe(30);
  });

  describe('when the answer to a claim is lost', () => {
    beforeEach(async () => {
      await client.enqueue({ rolloutId: 'lost', input: { task: 'lost' }, maxAttempts: 2 });
      await client.enqueue({ rolloutId: 'next' });
      net.loseNextAnswerTo('/claim');
      await expect(client.claim('w1')).rejects.toBeInstanceOf(VigilUnreachableError);
    });

    it('gives that rollout to nobody else while its attempt runs; a retried claim takes the next one', async () => {
      expect(await client.claim('w1')).toMatchObject({ rolloutId: 'next' });
      expect(await client.claim('w2')).toBeNull();
      expect(await client.getRollout('lost')).toMatchObject({ status: 'running' });
    });

    it('lets the worker find the attempt in GET /workers/:workerId, run it and complete it', async () => {
      const { activeAttempts } = await client.getWorker('w1');
      expect(activeAttempts).toEqual([{ rolloutId: 'lost', attemptId: expect.any(String) }]);
      const [ref] = activeAttempts;
      if (!ref) throw new Error('no active attempt');
      expect((await client.getRollout(ref.rolloutId)).input).toEqual({ task: 'lost' });

      expect(await client.heartbeat('w1', [ref])).toEqual({ cancelledAttempts: [] });
      const { rollout } = await client.complete({ ...ref, workerId: 'w1', status: 'succeeded' });
      expect(rollout).toMatchObject({ status: 'succeeded', attempts: [{ status: 'succeeded' }] });
    });

    it('otherwise times the unnamed attempt out after one heartbeat timeout, and the rollout runs again', async () => {
      for (let second = 0; second < 31; second += 10) {
        expect(await client.heartbeat('w1', [])).toEqual({ cancelledAttempts: [] });
        await server.advance(10_000);
      }
      expect(await client.getRollout('lost')).toMatchObject({
        status: 'requeuing',
        attempts: [{ workerId: 'w1', status: 'timeout' }],
      });

      expect(await client.claim('w1')).toMatchObject({ rolloutId: 'next' });
      expect(await client.claim('w1')).toMatchObject({ rolloutId: 'lost', attemptNumber: 2 });
    });
  });
});
