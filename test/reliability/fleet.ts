import type { VigilClient } from '../../src/app/client/client.ts';
import { VigilApiError } from '../../src/app/client/errors.ts';
import type { AttemptRef } from '../../src/app/engine-api.ts';
import type { Random } from './seeded-random.ts';

/** A simulated worker: a steady one heartbeats until it completes; a silent one vanishes. */
interface SimulatedWorker {
  workerId: string;
  silent: boolean;
  held?: { ref: AttemptRef; roundsLeft: number };
  /** The one attempt a silent worker claimed before it fell silent. */
  abandoned?: AttemptRef;
}

/** What the fleet saw; every list but `succeeded` must end up empty. */
export interface FleetRecord {
  /** Answers that were neither a success nor a refusal the state allows. */
  failures: string[];
  /** Attempts of steady workers that a heartbeat reported as no longer theirs. */
  falseCancellations: string[];
  /** rolloutId → the output its worker reported. */
  succeeded: Map<string, unknown>;
  abandoned: AttemptRef[];
}

/**
 * A fleet of workers over HTTP. Each `round` every worker acts once, concurrently: a steady
 * worker heartbeats the attempt it holds and completes it after 1–8 rounds, or claims; a silent
 * worker claims once and is never heard from again.
 */
export function createFleet(options: {
  client: VigilClient;
  workers: number;
  silentShare: number;
  random: Random;
}) {
  const { client, random } = options;
  const silentCount = Math.round(options.workers * options.silentShare);
  const workers: SimulatedWorker[] = Array.from({ length: options.workers }, (_, i) => ({
    workerId: `${i < silentCount ? 'silent' : 'steady'}-${i}`,
    silent: i < silentCount,
  }));
  const record: FleetRecord = {
    failures: [],
    falseCancellations: [],
    succeeded: new Map(),
    abandoned: [],
  };

  async function guarded(what: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      const status = error instanceof VigilApiError ? `${error.status} ${error.code}` : '';
      record.failures.push(`${what}: ${status} ${String(error)}`);
    }
  }

  async function claim(worker: SimulatedWorker): Promise<void> {
    const claimed = await client.claim(worker.workerId);
    if (!claimed) return;
    const ref = { rolloutId: claimed.rolloutId, attemptId: claimed.attemptId };
    if (worker.silent) {
      worker.abandoned = ref;
      record.abandoned.push(ref);
    } else {
      worker.held = { ref, roundsLeft: 1 + random.below(8) };
    }
  }

  async function work(worker: SimulatedWorker, held: NonNullable<SimulatedWorker['held']>) {
    const { cancelledAttempts } = await client.heartbeat(worker.workerId, [held.ref]);
    for (const cancelled of cancelledAttempts) {
      record.falseCancellations.push(
        `${worker.workerId} ${cancelled.attemptId} ${cancelled.status}`,
      );
    }
    held.roundsLeft -= 1;
    if (held.roundsLeft > 0) return;

    const succeeded = random.chance(0.85);
    const output = { by: worker.workerId, attemptId: held.ref.attemptId };
    const { rollout } = await client.complete({
      ...held.ref,
      workerId: worker.workerId,
      ...(succeeded
        ? { status: 'succeeded' as const, output }
        : { status: 'failed' as const, error: 'flaky' }),
    });
    if (succeeded) record.succeeded.set(rollout.rolloutId, output);
    worker.held = undefined;
  }

  function act(worker: SimulatedWorker): Promise<void> {
    const { held } = worker;
    if (worker.silent) {
      return worker.abandoned ? Promise.resolve() : guarded(worker.workerId, () => claim(worker));
    }
    return guarded(worker.workerId, () => (held ? work(worker, held) : claim(worker)));
  }

  return {
    record,
    workers,
    /** Every worker acts once, all at the same time; resolves when every answer is in. */
    round: async () => {
      await Promise.all(workers.map(act));
    },
  };
}
