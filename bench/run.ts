import { measureClaimComplete } from './claim-complete.ts';
import { measureDiskPerEvent } from './disk-per-event.ts';
import { measureHeartbeatsPerWorkerHour } from './heartbeats-per-worker-hour.ts';
import { measureInProcessHeartbeats } from './heartbeats-in-process.ts';
import { measureHttpHeartbeats } from './http-heartbeats.ts';
import { createScratch, secondsSince } from './measure.ts';
import { measureReadModelMemory } from './read-model-memory.ts';
import { measureRebuild } from './rebuild.ts';
import { describeRun, formatTable, writeJsonReport, type FigureResult } from './report.ts';
import { writeStoredLog } from './stored-log.ts';
import { measureTimeoutDetection } from './timeout-detection.ts';

/** Sizes of a full run, and of `--quick` (a smoke test of the benchmark itself). */
const sizes = {
  full: {
    claimComplete: { appends: 10_000, cycles: 5_000, workers: 32, rounds: 3 },
    inProcess: { workers: 1_000, warmUpSeconds: 30, seconds: 300 },
    workerHour: { workers: 20 },
    log: { events: 1_000_000, attempts: 100_000, workers: 10_000, timeoutEvery: 4 },
    rebuildRounds: 2,
    http: { workers: 1_000, warmUpMs: 2_000, durationMs: 5_000, rounds: 2, latencyLoadShare: 0.5 },
    detection: {
      workers: 400,
      heartbeatTimeoutMs: 1_000,
      tickIntervalMs: 100,
      heartbeatPeriodMs: 250,
      silenceWindowMs: 4_000,
    },
  },
  quick: {
    claimComplete: { appends: 1_000, cycles: 500, workers: 8, rounds: 1 },
    inProcess: { workers: 100, warmUpSeconds: 2, seconds: 10 },
    workerHour: { workers: 2 },
    log: { events: 20_000, attempts: 2_000, workers: 200, timeoutEvery: 4 },
    rebuildRounds: 1,
    http: { workers: 50, warmUpMs: 500, durationMs: 1_000, rounds: 1, latencyLoadShare: 0.5 },
    detection: {
      workers: 20,
      heartbeatTimeoutMs: 500,
      tickIntervalMs: 100,
      heartbeatPeriodMs: 100,
      silenceWindowMs: 1_000,
    },
  },
};

interface Arguments {
  json?: string;
  quick: boolean;
  only?: Set<string>;
}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--quick') parsed.quick = true;
    else if (argument === '--json' && argv[i + 1]) parsed.json = argv[++i];
    else if (argument === '--only' && argv[i + 1]) parsed.only = new Set(argv[++i]?.split(','));
    else throw new Error(`usage: npm run bench -- [--json FILE] [--quick] [--only id,id]`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const size = args.quick ? sizes.quick : sizes.full;
  const scratch = createScratch();
  const results: FigureResult[] = [];
  const started = performance.now();
  const wanted = (id: string): boolean => !args.only || args.only.has(id);
  const step = async (id: string, measure: () => Promise<FigureResult>): Promise<void> => {
    if (!wanted(id)) return;
    const stepStarted = performance.now();
    console.error(`bench: ${id} …`);
    const result = await measure();
    results.push(result);
    console.error(`bench: ${id} done in ${secondsSince(stepStarted).toFixed(1)} s`);
  };

  try {
    await step('claim-complete', () => measureClaimComplete(scratch, size.claimComplete));
    await step('heartbeats-in-process', () => measureInProcessHeartbeats(scratch, size.inProcess));
    await step('heartbeats-per-worker-hour', () =>
      measureHeartbeatsPerWorkerHour(scratch, size.workerHour),
    );
    if (['rebuild', 'read-model-memory', 'disk-per-event'].some(wanted)) {
      console.error(`bench: writing ${size.log.events.toLocaleString('en-US')} events …`);
      const log = await writeStoredLog(scratch, size.log);
      console.error(`bench: written in ${log.writeSeconds.toFixed(1)} s`);
      await step('disk-per-event', async () => measureDiskPerEvent(log.path, log.summary.events));
      await step('rebuild', () => measureRebuild(log.path, log.summary.events, size.rebuildRounds));
      await step('read-model-memory', () => measureReadModelMemory(log.path, log.summary));
    }
    await step('http-heartbeats', () => measureHttpHeartbeats(scratch, size.http));
    await step('timeout-detection', () => measureTimeoutDetection(scratch, size.detection));
  } finally {
    scratch.remove();
  }

  const info = describeRun(started);
  console.log(formatTable(results));
  const met = results.filter((r) => r.met === true).length;
  const judged = results.filter((r) => r.met !== null).length;
  console.log(`\n${met} of ${judged} goals met in ${info.durationS.toFixed(0)} s; ${info.machine}`);
  if (args.json) writeJsonReport(args.json, info, results);
}

await main();
