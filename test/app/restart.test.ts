import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/app/clock.ts';
import type { Engine } from '../../src/app/engine-api.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import { expectOk, startTestEngine, type TestEngine } from './harness.ts';

const TIMEOUT_MS = 30_000;

/** Everything an operator can ask, for comparing two engines. */
function operatorView(engine: Engine) {
  return {
    rollouts: engine.listRollouts({ limit: 1000 }),
    attempts: engine.listAttempts({ limit: 1000 }),
    workers: engine.listWorkers({ limit: 1000 }),
  };
}

describe('restarting the engine on an existing SQLite file', () => {
  let folder: string;
  let running: TestEngine | undefined;
  const file = (): string => join(folder, 'vigil.db');
  const startOnFile = async (at: number) => {
    running = await startTestEngine({
      store: createSqliteStore(file()),
      clock: createManualClock(at),
      heartbeatTimeoutMs: TIMEOUT_MS,
    });
    return running;
  };
  const restart = async (t: TestEngine, downtimeMs: number) => {
    await t.close();
    return startOnFile(t.clock.now() + downtimeMs);
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-restart-'));
  });
  afterEach(async () => {
    await running?.close().catch(() => undefined);
    running = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers every query as before and goes on: queued rollouts claimable, running attempts running', async () => {
    // 1. Some history: done, failed-and-requeued, running and queued rollouts.
    let t = await startOnFile(Date.UTC(2026, 5, 1));
    for (const rolloutId of ['done', 'retry', 'busy', 'waiting']) {
      expectOk(await t.engine.enqueue({ rolloutId, input: { rolloutId }, maxAttempts: 2 }));
    }
    const done = await t.engine.claim('w1');
    const retry = await t.engine.claim('w2');
    const busy = await t.engine.claim('w1');
    if (!done || !retry || !busy) throw new Error('nothing claimed');
    await t.advance(5_000);
    expectOk(await t.engine.complete({ ...done, workerId: 'w1', status: 'succeeded', output: 42 }));
    expectOk(
      await t.engine.complete({ ...retry, workerId: 'w2', status: 'failed', error: 'flaky' }),
    );
    await t.advance(3_000);
    await t.engine.heartbeat('w1', [{ rolloutId: busy.rolloutId, attemptId: busy.attemptId }]);
    await t.engine.heartbeat('w2', []);
    const before = operatorView(t.engine);

    // 2. Stop and start again on the same file, at the same instant.
    t = await restart(t, 0);
    expect(operatorView(t.engine)).toEqual(before);

    // 3. It goes on: the waiting and the requeued rollouts are claimable, in order.
    expect((await t.engine.claim('w3'))?.rolloutId).toBe('waiting');
    expect(await t.engine.claim('w3')).toMatchObject({ rolloutId: 'retry', attemptNumber: 2 });
    const { cancelledAttempts } = await t.engine.heartbeat('w1', [busy]);
    expect(cancelledAttempts).toEqual([]);
    expect(t.engine.getRollout('busy')?.status).toBe('running');
  });

  it('does not count downtime against workers, but times out a worker that never returns', async () => {
    let t = await startOnFile(Date.UTC(2026, 5, 1));
    expectOk(await t.engine.enqueue({ rolloutId: 'returns' }));
    expectOk(await t.engine.enqueue({ rolloutId: 'gone' }));
    const returns = await t.engine.claim('returning-worker');
    const gone = await t.engine.claim('vanished-worker');
    if (!returns || !gone) throw new Error('nothing claimed');

    // 1. An hour of downtime: far longer than the heartbeat timeout.
    t = await restart(t, 3_600_000);
    await t.advance(1_000);
    expect(t.engine.listAttempts({ status: 'running' }).items).toHaveLength(2);

    // 2. One worker resumes heartbeating within a timeout of the restart and keeps its work.
    await t.advance(TIMEOUT_MS - 2_000);
    await t.engine.heartbeat('returning-worker', [returns]);
    await t.advance(1_000);
    expect(t.engine.listAttempts({ status: 'running' }).items).toHaveLength(2);

    // 3. The other is timed out once a full timeout has passed since the engine came back.
    await t.advance(1_001);
    expect(t.engine.getRollout('gone')?.attempts[0]).toMatchObject({ status: 'timeout' });
    expect(t.engine.getRollout('returns')?.attempts[0]).toMatchObject({ status: 'running' });
  });
});
