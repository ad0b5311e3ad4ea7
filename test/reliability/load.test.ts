import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleet } from './fleet.ts';
import { seededRandom } from './seeded-random.ts';
import { LOAD, RELIABILITY_TIMEOUT_MS } from './scale.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { allPages, auditRolloutStreams, readWholeLog } from './stream-audit.ts';

const HEARTBEAT_TIMEOUT_MS = 30_000;
/** Each round ends with the clock moved a third of the timeout: steady workers stay fresh. */
const ROUND_MS = HEARTBEAT_TIMEOUT_MS / 3;
const MAX_ROUNDS = 400;

/** A Prometheus counter's value from the text exposition. */
function counter(metrics: string, name: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

describe(`${LOAD.workers} workers over HTTP against a real server`, () => {
  let folder: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-load-'));
  });
  afterEach(async () => {
    await server?.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it(
    'answers without a 5xx, never times out a heartbeating worker, times out every silent one, and ends each rollout once',
    async () => {
      const seed = Number(process.env.VIGIL_SEED ?? Date.now() % 1_000_000);
      const file = join(folder, 'vigil.db');
      server = await startServerProcess({
        VIGIL_STORE: `sqlite:${file}`,
        VIGIL_CLOCK: 'manual',
        VIGIL_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      });
      const { client } = server;
      const fleet = createFleet({
        client,
        workers: LOAD.workers,
        silentShare: 0.1,
        random: seededRandom(seed),
      });

      // 1. The whole workload at once, then rounds of work, each followed by a clock advance.
      const rolloutIds = Array.from({ length: LOAD.rollouts }, (_, n) => `rollout-${n}`);
      await Promise.all(
        rolloutIds.map((rolloutId) => client.enqueue({ rolloutId, input: { n: rolloutId } })),
      );
      const unfinished = async () => {
        const counts = await Promise.all(
          (['queuing', 'requeuing', 'running'] as const).map(
            async (status) => (await client.listRollouts({ status, limit: 1 })).items.length,
          ),
        );
        return counts.some((count) => count > 0);
      };
      let rounds = 0;
      while ((await unfinished()) && rounds < MAX_ROUNDS) {
        await fleet.round();
        await client.advanceClock(ROUND_MS);
        rounds += 1;
      }
      const context = `seed ${seed}, ${rounds} rounds`;
      const { record } = fleet;

      // 2. No 5xx or unexpected refusal, and no steady worker lost its attempt.
      expect(record.failures, context).toEqual([]);
      expect(record.falseCancellations, context).toEqual([]);
      expect(rounds, context).toBeLessThan(MAX_ROUNDS);

      // 3. Timeouts are exactly the silent workers' attempts.
      const timedOut = await allPages((after) =>
        client.listAttempts({ status: 'timeout', limit: 1000, after }),
      );
      const key = (ref: { rolloutId: string; attemptId: string }) =>
        `${ref.rolloutId}/${ref.attemptId}`;
      expect(timedOut.map(key).sort(), context).toEqual(record.abandoned.map(key).sort());
      expect(record.abandoned.length, context).toBeGreaterThan(0);

      // 4. Every rollout ended once: one terminal event per stream, and the output its worker sent.
      const rollouts = await allPages((after) => client.listRollouts({ limit: 1000, after }));
      expect(rollouts.map((r) => r.rolloutId).sort()).toEqual([...rolloutIds].sort());
      for (const rollout of rollouts) {
        expect(['succeeded', 'failed'], rollout.rolloutId).toContain(rollout.status);
        if (rollout.status === 'succeeded') {
          expect(rollout.output, rollout.rolloutId).toEqual(
            record.succeeded.get(rollout.rolloutId),
          );
        }
      }
      expect(record.succeeded.size).toBe(rollouts.filter((r) => r.status === 'succeeded').length);
      const metrics = await client.metrics();
      const ended =
        counter(metrics, 'vigil_rollouts_succeeded_total') +
        counter(metrics, 'vigil_rollouts_failed_total');
      expect(ended).toBe(LOAD.rollouts);

      const log = await readWholeLog(file);
      const audit = auditRolloutStreams(log);
      expect(audit.problems, context).toEqual([]);
      const ends = log.filter((e) => e.type === 'RolloutSucceeded' || e.type === 'RolloutFailed');
      expect(new Set(ends.map((e) => e.stream)).size).toBe(ends.length);
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
