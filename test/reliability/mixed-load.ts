import type { VigilClient } from '../../src/app/client/client.ts';
import { VigilApiError } from '../../src/app/client/errors.ts';
import type { AttemptRef } from '../../src/app/engine-api.ts';
import type { Random } from './seeded-random.ts';

const key = (ref: AttemptRef): string => `${ref.rolloutId}/${ref.attemptId}`;

/** Every command the server acknowledged (answered with a 2xx), which must survive a crash. */
export interface Ledger {
  enqueued: Map<string, { input: unknown; maxAttempts: number }>;
  claimed: Map<string, AttemptRef & { workerId: string; attemptNumber: number }>;
  completed: Map<string, { status: 'succeeded' | 'failed'; output?: unknown; error?: string }>;
  /** Attempts a heartbeat answer reported as timed out. */
  timedOut: Set<string>;
  /** Per attempt, a lower bound of the engine's time at its latest acknowledged heartbeat. */
  heartbeatFloor: Map<string, number>;
  /** Workers the server registered (a claim or heartbeat was answered). */
  workers: Set<string>;
  acknowledged: number;
}

export function createLedger(): Ledger {
  return {
    enqueued: new Map(),
    claimed: new Map(),
    completed: new Map(),
    timedOut: new Set(),
    heartbeatFloor: new Map(),
    workers: new Set(),
    acknowledged: 0,
  };
}

/** A simulated worker's memory, kept across server restarts. */
interface WorkerMemory {
  workerId: string;
  /** Silent workers claim and then never heartbeat or complete: their attempts must time out. */
  silent: boolean;
  held: Map<string, AttemptRef>;
}

export interface MixedLoad {
  /**
   * Runs every actor against `client` until `stop` is called; after that, the errors of requests
   * in flight (the server was killed) end the actors quietly. `done` rejects on any other error.
   */
  run(client: VigilClient, onAcknowledged: () => void): { stop(): void; done: Promise<void> };
  ledger: Ledger;
}

/** 409 and 404 are answers the state may give; anything else is a failure of the test. */
function expectStateRefusal(error: unknown): void {
  if (error instanceof VigilApiError && (error.status === 409 || error.status === 404)) return;
  throw error;
}

/**
 * Enqueues, claims, heartbeats, completions and clock advances from concurrent actors, recording
 * every acknowledged command in a ledger. The actors' memory outlives a server, so a run against
 * a restarted server goes on where the last one stopped.
 */
export function createMixedLoad(options: {
  workers: number;
  silent: number;
  random: Random;
}): MixedLoad {
  const { random } = options;
  const ledger = createLedger();
  const workers: WorkerMemory[] = Array.from({ length: options.workers }, (_, i) => ({
    workerId: `w${i}`,
    silent: i < options.silent,
    held: new Map(),
  }));
  let rolloutCount = 0;
  let clockFloor = 0;

  function acknowledge(onAcknowledged: () => void): void {
    ledger.acknowledged += 1;
    onAcknowledged();
  }

  /** A new rollout, or now and then the exact repeat of an acknowledged one (a client retry). */
  async function enqueue(client: VigilClient): Promise<void> {
    const acknowledged = [...ledger.enqueued.keys()];
    const repeat = acknowledged.length > 0 && random.chance(0.1);
    const rolloutId = repeat ? acknowledged[random.below(acknowledged.length)] : undefined;
    const known = rolloutId === undefined ? undefined : ledger.enqueued.get(rolloutId);
    if (rolloutId !== undefined && known) {
      await client.enqueue({ rolloutId, ...known });
      return;
    }
    const fresh = `r${rolloutCount++}`;
    const body = { input: { fresh, n: random.below(1000) }, maxAttempts: 1 + random.below(3) };
    await client.enqueue({ rolloutId: fresh, ...body });
    ledger.enqueued.set(fresh, body);
  }

  async function claim(client: VigilClient, worker: WorkerMemory): Promise<void> {
    const claimed = await client.claim(worker.workerId);
    ledger.workers.add(worker.workerId);
    if (!claimed) return;
    const { rolloutId, attemptId, attemptNumber } = claimed;
    worker.held.set(key(claimed), { rolloutId, attemptId });
    ledger.claimed.set(key(claimed), {
      rolloutId,
      attemptId,
      attemptNumber,
      workerId: worker.workerId,
    });
  }

  async function heartbeat(client: VigilClient, worker: WorkerMemory): Promise<void> {
    const named = [...worker.held.values()];
    const floor = clockFloor;
    const { cancelledAttempts } = await client.heartbeat(worker.workerId, named);
    ledger.workers.add(worker.workerId);
    const cancelled = new Set(cancelledAttempts.map(key));
    for (const ref of cancelledAttempts) {
      worker.held.delete(key(ref));
      if (ref.status === 'timeout') ledger.timedOut.add(key(ref));
    }
    for (const ref of named) {
      if (!cancelled.has(key(ref))) ledger.heartbeatFloor.set(key(ref), floor);
    }
  }

  async function complete(client: VigilClient, worker: WorkerMemory, ref: AttemptRef) {
    const result = random.chance(0.75)
      ? { status: 'succeeded' as const, output: { by: worker.workerId, attemptId: ref.attemptId } }
      : { status: 'failed' as const, error: `failed by ${worker.workerId}` };
    try {
      await client.complete({ ...ref, workerId: worker.workerId, ...result });
      ledger.completed.set(key(ref), result);
    } catch (error) {
      expectStateRefusal(error);
    }
    worker.held.delete(key(ref));
  }

  async function advance(client: VigilClient): Promise<void> {
    const { now } = await client.advanceClock(1_000 + random.below(15_000));
    clockFloor = Math.max(clockFloor, Date.parse(now));
  }

  /** One request of a worker, or false once a silent worker has nothing left to say. */
  async function workerStep(client: VigilClient, worker: WorkerMemory): Promise<boolean> {
    const [first] = worker.held.values();
    if (!first || (!worker.silent && worker.held.size < 2 && random.chance(0.5))) {
      await claim(client, worker);
    } else if (worker.silent) {
      return false;
    } else if (random.chance(0.3)) {
      await complete(client, worker, first);
    } else {
      await heartbeat(client, worker);
    }
    return true;
  }

  function run(client: VigilClient, onAcknowledged: () => void) {
    let stopped = false;
    clockFloor = 0;
    const loop = async (step: () => Promise<boolean | void>) => {
      while (!stopped) {
        try {
          if ((await step()) === false) return;
          acknowledge(onAcknowledged);
        } catch (error) {
          if (stopped) return;
          throw error;
        }
      }
    };
    const actors = [
      loop(() => enqueue(client)),
      loop(() => enqueue(client)),
      loop(() => advance(client)),
      ...workers.map((worker) => loop(() => workerStep(client, worker))),
    ];
    return {
      stop: () => {
        stopped = true;
      },
      done: Promise.all(actors).then(() => undefined),
    };
  }

  return { run, ledger };
}
