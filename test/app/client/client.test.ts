import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilClient } from '../../../src/app/client/client.ts';
import {
  VigilApiError,
  VigilUnreachableError,
  isTransientError,
} from '../../../src/app/client/errors.ts';
import { startTestServer, type TestServer } from '../http/server-harness.ts';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('VigilClient', () => {
  let server: TestServer;
  let client: VigilClient;
  beforeEach(async () => {
    server = await startTestServer();
    client = new VigilClient({ url: server.url });
  });
  afterEach(() => server.close());

  it('drives a rollout through every command and reads it back through every query', async () => {
    expect(await client.enqueue({ rolloutId: 'r1', input: { n: 1 } })).toEqual({
      created: true,
      rolloutId: 'r1',
      status: 'queuing',
    });
    const repeat = await client.enqueue({ rolloutId: 'r1', input: { n: 1 } });
    expect(repeat).toMatchObject({ created: false, rollout: { rolloutId: 'r1', maxAttempts: 3 } });

    const claim = await client.claim('w1');
    expect(claim).toMatchObject({ rolloutId: 'r1', attemptNumber: 1, input: { n: 1 } });
    if (!claim) throw new Error('nothing claimed');
    expect(await client.claim('w2')).toBeNull();

    const ref = { rolloutId: 'r1', attemptId: claim.attemptId };
    expect(await client.heartbeat('w1', [ref])).toEqual({ cancelledAttempts: [] });
    await client.advanceClock(5000);

    const completed = await client.complete({
      ...ref,
      workerId: 'w1',
      status: 'succeeded',
      output: 7,
    });
    expect(completed.rollout).toMatchObject({ status: 'succeeded', output: 7 });
    expect(completed.attempt).toMatchObject({ status: 'succeeded' });

    expect(await client.getRollout('r1')).toMatchObject({ status: 'succeeded' });
    expect((await client.listRollouts({ status: 'succeeded' })).items).toHaveLength(1);
    expect((await client.listAttempts({ workerId: 'w1' })).items).toHaveLength(1);
    expect((await client.listWorkers()).items.map((worker) => worker.workerId)).toEqual([
      'w1',
      'w2',
    ]);
    expect(await client.getWorker('w1')).toMatchObject({ workerId: 'w1', activeAttempts: [] });
    expect(await client.health()).toMatchObject({ status: 'ok', store: 'memory' });
    expect(await client.metrics()).toContain('vigil_attempts_succeeded_total 1');
  });

  it('throws VigilApiError carrying the API code, status and details', async () => {
    const missing = await rejectionOf(client.getRollout('nope'));
    expect(missing).toBeInstanceOf(VigilApiError);
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });

    await client.enqueue({ rolloutId: 'r1' });
    const conflict = await rejectionOf(client.enqueue({ rolloutId: 'r1', maxAttempts: 5 }));
    expect(conflict).toMatchObject({ code: 'rollout_conflict', status: 409 });

    const invalid = await rejectionOf(client.enqueue({ maxAttempts: 0 }));
    expect(invalid).toMatchObject({
      code: 'invalid_request',
      status: 400,
      details: [expect.objectContaining({ path: 'maxAttempts' })],
    });
    expect(isTransientError(invalid)).toBe(false);
  });

  it('encodes ids in paths, so an id with a colon or dots reaches the right route', async () => {
    await client.enqueue({ rolloutId: 'build:v1.2.3' });
    expect(await client.getRollout('build:v1.2.3')).toMatchObject({ rolloutId: 'build:v1.2.3' });
  });

  it('throws VigilUnreachableError when nothing listens at the URL', async () => {
    const url = server.url;
    await server.close();
    const error = await rejectionOf(new VigilClient({ url }).health());
    expect(error).toBeInstanceOf(VigilUnreachableError);
    expect(error).toMatchObject({ code: 'unreachable', url, reason: 'ECONNREFUSED' });
    expect(isTransientError(error)).toBe(true);
    server = await startTestServer();
  });
});

describe('VigilClient with tokens', () => {
  it('sends its token, and surfaces 401 and 403 as typed errors', async () => {
    const operatorToken = 'operator-token-0123456789';
    const workerToken = 'worker-token-0123456789';
    const server = await startTestServer({ operatorToken, workerToken });
    try {
      await new VigilClient({ url: server.url, token: operatorToken }).enqueue({ rolloutId: 'r1' });
      const worker = new VigilClient({ url: server.url, token: workerToken });
      expect(await worker.claim('w1')).toMatchObject({ rolloutId: 'r1' });

      const forbidden = await rejectionOf(worker.listRollouts());
      expect(forbidden).toMatchObject({ code: 'forbidden', status: 403 });
      const anonymous = await rejectionOf(new VigilClient({ url: server.url }).listRollouts());
      expect(anonymous).toMatchObject({ code: 'unauthorized', status: 401 });
    } finally {
      await server.close();
    }
  });
});
