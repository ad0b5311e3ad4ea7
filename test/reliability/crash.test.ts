import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VigilClient } from '../../src/app/client/client.ts';
import { createMixedLoad, type Ledger } from './mixed-load.ts';
import { seededRandom } from './seeded-random.ts';
import { CRASH_ROUNDS, RELIABILITY_TIMEOUT_MS } from './scale.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import {
  auditRolloutStreams,
  readModelsOf,
  readWholeLog,
  streamFacts,
  viewFacts,
} from './stream-audit.ts';

const HEARTBEAT_TIMEOUT_MS = 30_000;
/** The engine appends a worker's heartbeat at least once per quarter timeout (README). */
const THROTTLE_MS = HEARTBEAT_TIMEOUT_MS / 4;

const attemptKey = (ref: { rolloutId: string; attemptId: string }) =>
  `${ref.rolloutId}/${ref.attemptId}`;

/** Every acknowledged command is visible in the restarted server's answers. */
async function expectLedgerVisible(client: VigilClient, ledger: Ledger): Promise<void> {
  const { rollouts, workers } = await readModelsOf(client);
  const byId = new Map(rollouts.map((rollout) => [rollout.rolloutId, rollout]));
  const attempts = new Map(
    rollouts.flatMap((rollout) => rollout.attempts.map((a) => [attemptKey(a), a] as const)),
  );

  for (const [rolloutId, body] of ledger.enqueued) {
    expect(byId.get(rolloutId), `enqueued ${rolloutId}`).toMatchObject(body);
  }
  for (const [key, claimed] of ledger.claimed) {
    expect(attempts.get(key), `claimed ${key}`).toMatchObject(claimed);
  }
  for (const [key, result] of ledger.completed) {
    expect(attempts.get(key)?.status, `completed ${key}`).toBe(result.status);
    const rollout = byId.get(key.split('/')[0] ?? '');
    if (result.status === 'succeeded') expect(rollout?.output).toEqual(result.output);
  }
  for (const key of ledger.timedOut) {
    expect(attempts.get(key)?.status, `timed out ${key}`).toBe('timeout');
  }
  for (const [key, floor] of ledger.heartbeatFloor) {
    const attempt = attempts.get(key);
    if (attempt?.status !== 'running') continue;
    expect(Date.parse(attempt.lastHeartbeatAt), `heartbeat of ${key}`).toBeGreaterThanOrEqual(
      floor - THROTTLE_MS,
    );
  }
  const known = new Set(workers.map((worker) => worker.workerId));
  for (const workerId of ledger.workers) expect(known, workerId).toContain(workerId);
}

/** Read models of the restarted server agree with the streams, and no stream is half-applied. */
async function expectStreamsAndReadModelsAgree(client: VigilClient, file: string) {
  const audit = auditRolloutStreams(await readWholeLog(file));
  expect(audit.problems).toEqual([]);

  const { rollouts, workers } = await readModelsOf(client);
  expect(rollouts.map((r) => r.rolloutId).sort()).toEqual([...audit.rollouts.keys()].sort());
  for (const view of rollouts) {
    const audited = audit.rollouts.get(view.rolloutId);
    expect(audited && viewFacts(view), view.rolloutId).toEqual(audited && streamFacts(audited));
  }

  const runningInStreams = [...audit.rollouts.values()].flatMap(({ state }) =>
    state.attempts.filter((a) => a.status === 'running').map((a) => `${a.workerId} ${a.attemptId}`),
  );
  const activeOnWorkers = workers.flatMap((worker) =>
    worker.activeAttempts.map((ref) => `${worker.workerId} ${ref.attemptId}`),
  );
  expect(activeOnWorkers.sort()).toEqual(runningInStreams.sort());
  return audit;
}

describe('SIGKILL during a mixed load on SQLite', () => {
  let folder: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
  });
  afterEach(async () => {
    await server?.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it(
    'loses no acknowledged command, half-applies nothing, and rebuilds read models that agree with the streams',
    async () => {
      const seed = Number(process.env.VIGIL_SEED ?? Date.now() % 1_000_000);
      const random = seededRandom(seed);
      const file = join(folder, 'vigil.db');
      const settings = {
        VIGIL_STORE: `sqlite:${file}`,
        VIGIL_CLOCK: 'manual',
        VIGIL_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      };
      const load = createMixedLoad({ workers: 10, silent: 3, random });
      const attemptEnds = new Set<string>();

      for (let round = 1; round <= CRASH_ROUNDS; round++) {
        // 1. A server on the file, and the load against it until a random number of answers.
        server = await startServerProcess(settings);
        const killAfter = load.ledger.acknowledged + 60 + random.below(200);
        const crashed = server;
        let killing: Promise<void> | undefined;
        const running = load.run(crashed.client, () => {
          if (load.ledger.acknowledged < killAfter || killing) return;
          // 2. SIGKILL while the other actors' requests are in flight.
          running.stop();
          killing = crashed.kill();
        });
        await running.done;
        await killing;

        // 3. A new server on the same file: everything acknowledged is there, and consistent.
        // (VIGIL_SEED=<seed> repeats a failing run's choices; the kill's timing is the machine's.)
        server = await startServerProcess(settings);
        const { client } = server;
        const audit = await expectLedgerVisible(client, load.ledger)
          .then(() => expectStreamsAndReadModelsAgree(client, file))
          .catch((error: unknown) => {
            throw new Error(`seed ${seed}, round ${round}: ${String(error)}`, { cause: error });
          });
        for (const { state } of audit.rollouts.values()) {
          for (const attempt of state.attempts) attemptEnds.add(attempt.status);
        }
        await server.kill();
      }

      // The load reached every kind of attempt end, timeouts (and their requeues) included.
      expect([...attemptEnds].sort()).toEqual(['failed', 'running', 'succeeded', 'timeout']);
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
