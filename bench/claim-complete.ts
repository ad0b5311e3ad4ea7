import type { Engine } from '../src/app/engine-api.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import type { SqliteSync } from '../src/eventstore/sqlite-schema.ts';
import { createSqliteStore } from '../src/eventstore/sqlite.ts';
import { createBenchEngine } from './bench-engine.ts';
import { median, runConcurrently, timed, type Scratch } from './measure.ts';
import { withRatio, type FigureResult } from './report.ts';

export interface ClaimCompleteOptions {
  /** Raw appends timed for the baseline, per round. */
  appends: number;
  /** Claim + complete cycles timed through the engine, per round. */
  cycles: number;
  /** Workers claiming and completing at the same time. */
  workers: number;
  /** Baseline and figure are measured alternately this many times; medians are compared. */
  rounds: number;
}

const RAW_STREAMS = 1_000;

interface Rates {
  perSecond: number;
  /** Per second of this process's CPU: what a neighbour's load does not change. */
  perCpuSecond: number;
}

/** Sequential single-event appends, each with its stream's expected revision: one commit each. */
async function rawAppends(store: EventStore, prefix: string, count: number): Promise<Rates> {
  const revisions = new Array<number>(RAW_STREAMS).fill(-1);
  const time = await timed(async () => {
    for (let i = 0; i < count; i++) {
      const stream = i % RAW_STREAMS;
      const revision = revisions[stream] ?? -1;
      const event = {
        type: 'AttemptStarted',
        data: {
          rolloutId: `${prefix}-${stream}`,
          attemptId: `a-${i}`,
          attemptNumber: 1,
          workerId: 'raw',
          at: i,
        },
      };
      await store.append(`${prefix}-${stream}`, [event], {
        expectedRevision: revision < 0 ? 'no_stream' : revision,
      });
      revisions[stream] = revision + 1;
    }
  });
  return { perSecond: count / time.seconds, perCpuSecond: count / time.cpuSeconds };
}

/** Each worker claims a rollout and completes it as succeeded, again and again. */
async function cycles(engine: Engine, options: ClaimCompleteOptions): Promise<Rates> {
  const time = await timed(() =>
    runConcurrently(options.cycles, options.workers, async (index) => {
      const workerId = `worker-${index % options.workers}`;
      const claimed = await engine.claim(workerId);
      if (!claimed) throw new Error('the claim queue ran dry during the benchmark');
      const outcome = await engine.complete({
        rolloutId: claimed.rolloutId,
        attemptId: claimed.attemptId,
        workerId,
        status: 'succeeded',
        output: { ok: true },
      });
      if (!outcome.ok) throw new Error(`complete rejected: ${outcome.rejection.code}`);
    }),
  );
  return {
    perSecond: options.cycles / time.seconds,
    perCpuSecond: options.cycles / time.cpuSeconds,
  };
}

/**
 * Raw appends and claim + complete cycles on SQLite files at one sync level, alternated
 * `rounds` times so that a neighbour's burst on the shared machine does not land on one side
 * only. The raw appends go to a file of their own: in the engine's file its projection would
 * fold them while they are timed, and fold them again during the cycles.
 */
async function measureAtSync(
  scratch: Scratch,
  sync: SqliteSync,
  options: ClaimCompleteOptions,
): Promise<{ raw: Rates; cycles: Rates }> {
  const store = createSqliteStore(scratch.file(`claim-complete-${sync}.db`), { sync });
  const rawStore = createSqliteStore(scratch.file(`claim-complete-raw-${sync}.db`), { sync });
  const engine = createBenchEngine(store);
  try {
    // 1. Fill the claim queue for every round (untimed), and warm up the raw path.
    await engine.start();
    await runConcurrently(options.cycles * options.rounds, options.workers, async (index) => {
      const outcome = await engine.enqueue({ rolloutId: `bench-${index}`, input: { index } });
      if (!outcome.ok) throw new Error(`enqueue rejected: ${outcome.rejection.code}`);
    });
    await rawAppends(rawStore, 'warm-up', Math.min(2_000, options.appends));

    // 2. Alternate baseline and figure; compare medians.
    const raw: Rates[] = [];
    const cycled: Rates[] = [];
    for (let round = 0; round < options.rounds; round++) {
      raw.push(await rawAppends(rawStore, `raw-${round}`, options.appends));
      cycled.push(await cycles(engine, options));
    }
    const medianRates = (runs: Rates[]): Rates => ({
      perSecond: median(runs.map((r) => r.perSecond)),
      perCpuSecond: median(runs.map((r) => r.perCpuSecond)),
    });
    return { raw: medianRates(raw), cycles: medianRates(cycled) };
  } finally {
    await engine.stop();
    await store.close();
    await rawStore.close();
  }
}

/**
 * Claim + complete cycles per second through the engine on SQLite (default `sync=normal`),
 * with several workers at once, against sequential single-event appends through the same store
 * code on the same disk. A cycle is a claim (read the rollout, append AttemptStarted, wait for
 * the read models) and a completion (read, append AttemptSucceeded and RolloutSucceeded, wait
 * for the read models). A short run at `sync=full`, where every commit waits for the disk, is
 * reported alongside.
 */
export async function measureClaimComplete(
  scratch: Scratch,
  options: ClaimCompleteOptions,
): Promise<FigureResult> {
  const normal = await measureAtSync(scratch, 'normal', options);
  const full = await measureAtSync(scratch, 'full', {
    ...options,
    appends: Math.ceil(options.appends / 10),
    cycles: Math.ceil(options.cycles / 5),
    rounds: 1,
  });
  return withRatio(
    {
      id: 'claim-complete',
      figure: 'claim + complete cycles/s through the engine (SQLite)',
      value: normal.cycles.perSecond,
      unit: 'cycles/s',
      baseline: {
        label: 'raw single-event appends',
        value: normal.raw.perSecond,
        unit: 'appends/s',
      },
      goal: '≥ 0.5 of raw',
      details: {
        workers: options.workers,
        cyclesPerRound: options.cycles,
        rounds: options.rounds,
        cyclesPerCpuSecond: normal.cycles.perCpuSecond,
        rawPerCpuSecond: normal.raw.perCpuSecond,
        cpuRatio: normal.cycles.perCpuSecond / normal.raw.perCpuSecond,
        fullSyncCyclesPerS: full.cycles.perSecond,
        fullSyncRawPerS: full.raw.perSecond,
        fullSyncRatio: full.cycles.perSecond / full.raw.perSecond,
      },
    },
    (ratio) => ratio >= 0.5,
  );
}
