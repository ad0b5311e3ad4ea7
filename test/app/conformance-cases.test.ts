import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOk, startTestEngine, type TestEngine } from './harness.ts';

describe('conformance cases on the manual clock', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine({ heartbeatTimeoutMs: 30_000, tickIntervalMs: 1_000 });
  });
  afterEach(() => t.close());

  it('C-01: a stale attempt becomes timeout and its rollout requeues', async () => {
    expectOk(await t.engine.enqueue({ rolloutId: 'r1', input: { n: 1 }, maxAttempts: 2 }));
    const claim = await t.engine.claim('w1');
    expect(claim).toMatchObject({ rolloutId: 'r1', attemptNumber: 1, input: { n: 1 } });

    await t.advance(30_000);
    expect(t.engine.listAttempts({ rolloutId: 'r1' }).items[0]?.status).toBe('running');

    await t.advance(1_000);
    const rollout = t.engine.getRollout('r1');
    expect(rollout?.status).toBe('requeuing');
    expect(rollout?.attempts[0]).toMatchObject({ status: 'timeout', timeoutReason: 'heartbeat' });
    expect(rollout?.attempts[0]?.endedAt).toBe(new Date(t.clock.now()).toISOString());

    const second = await t.engine.claim('w2');
    expect(second).toMatchObject({ rolloutId: 'r1', attemptNumber: 2 });
  });

  it('C-02: a long attempt with periodic heartbeats is never timed out while ticks run', async () => {
    expectOk(await t.engine.enqueue({ rolloutId: 'long' }));
    const claim = await t.engine.claim('w1');
    if (!claim) throw new Error('nothing claimed');
    const ref = { rolloutId: claim.rolloutId, attemptId: claim.attemptId };

    // Ten minutes of work, heartbeating every 10 s against a 30 s timeout.
    for (let i = 0; i < 60; i++) {
      await t.advance(10_000);
      const { cancelledAttempts } = await t.engine.heartbeat('w1', [ref]);
      expect(cancelledAttempts).toEqual([]);
    }

    expect(t.engine.listAttempts({ status: 'timeout' }).items).toEqual([]);
    const done = expectOk(
      await t.engine.complete({ ...ref, workerId: 'w1', status: 'succeeded', output: 'ok' }),
    );
    expect(done.rollout).toMatchObject({ status: 'succeeded', output: 'ok' });
  });

  it('C-03: worker and attempt queries match the truth after both paths', async () => {
    expectOk(await t.engine.enqueue({ rolloutId: 'healthy' }));
    expectOk(await t.engine.enqueue({ rolloutId: 'stalled', maxAttempts: 1 }));
    const healthy = await t.engine.claim('busy');
    const stalled = await t.engine.claim('silent');
    if (!healthy || !stalled) throw new Error('nothing claimed');
    const healthyRef = { rolloutId: healthy.rolloutId, attemptId: healthy.attemptId };
    const startedAt = t.clock.now();

    for (let i = 0; i < 4; i++) {
      await t.advance(10_000);
      await t.engine.heartbeat('busy', [healthyRef]);
    }

    const busy = t.engine.getWorker('busy');
    expect(busy).toMatchObject({ status: 'active', activeAttempts: [healthyRef] });
    expect(busy?.lastHeartbeatAt).toBe(new Date(t.clock.now()).toISOString());
    expect(t.engine.getWorker('silent')).toMatchObject({ status: 'stale', activeAttempts: [] });

    const [running] = t.engine.listAttempts({ status: 'running' }).items;
    expect(running).toMatchObject({ ...healthyRef, workerId: 'busy' });
    expect(running?.lastHeartbeatAt).toBe(new Date(t.clock.now()).toISOString());

    const [timedOut] = t.engine.listAttempts({ status: 'timeout' }).items;
    expect(timedOut).toMatchObject({ rolloutId: 'stalled', workerId: 'silent' });
    expect(timedOut?.lastHeartbeatAt).toBe(new Date(startedAt).toISOString());
    expect(t.engine.getRollout('stalled')?.status).toBe('failed');

    expectOk(await t.engine.complete({ ...healthyRef, workerId: 'busy', status: 'succeeded' }));
    expect(t.engine.getWorker('busy')).toMatchObject({ status: 'idle', activeAttempts: [] });
    expect(t.engine.listAttempts({ workerId: 'busy' }).items[0]?.status).toBe('succeeded');
  });
});
