import { attemptKey, type AttemptRef } from '../domain/index.ts';

/** A heartbeat the engine acknowledged but has not appended yet (the throttle held it back). */
export interface PendingHeartbeat {
  activeAttempts: AttemptRef[];
  /** `attemptKey` of each of `activeAttempts`, built once per heartbeat. */
  keys: string[];
  at: number;
}

interface Liveness {
  /** Latest sign of life received by this process (heartbeat or claim). */
  lastSeenAt: number;
  /** Time and attempt set of the last heartbeat this process appended. */
  appendedAt: number;
  appendedSet: string;
  pending?: PendingHeartbeat;
  pendingKeys?: Set<string>;
}

/**
 * What this process knows of its workers beyond the streams: the latest sign of life and any
 * heartbeat held back by the throttle. Heartbeats are the high-volume command, so the engine
 * appends a worker's heartbeat at most once per throttle interval unless the set of attempts it
 * names changes; the ones in between live here until they are flushed.
 */
export interface WorkerLiveness {
  lastSeenAt(workerId: string): number | undefined;
  /** The held-back heartbeat's time if it names the attempt. */
  pendingFor(workerId: string, ref: AttemptRef): number | undefined;
  /** Records a heartbeat; answers the events to append now (none while throttled). */
  receive(workerId: string, heartbeat: PendingHeartbeat, throttleMs: number): PendingHeartbeat[];
  /** Records a claim's sign of life, which is never appended. */
  seen(workerId: string, at: number): void;
  /** Takes the held-back heartbeat, to be appended now. */
  takePending(workerId: string): PendingHeartbeat | undefined;
  /** Every worker with a held-back heartbeat. */
  workersWithPending(): string[];
  /** Puts back a heartbeat whose append failed, so it is not lost from memory. */
  restore(workerId: string, heartbeat: PendingHeartbeat): void;
}

function hold(liveness: Liveness, heartbeat: PendingHeartbeat | undefined): void {
  liveness.pending = heartbeat;
  liveness.pendingKeys = heartbeat && new Set(heartbeat.keys);
}

const setKey = (keys: readonly string[]): string => [...keys].sort().join('\n');

export function createWorkerLiveness(): WorkerLiveness {
  const workers = new Map<string, Liveness>();

  const entry = (workerId: string): Liveness => {
    let known = workers.get(workerId);
    if (!known) {
      known = { lastSeenAt: -Infinity, appendedAt: -Infinity, appendedSet: '' };
      workers.set(workerId, known);
    }
    return known;
  };

  return {
    lastSeenAt: (workerId) => {
      const seenAt = workers.get(workerId)?.lastSeenAt;
      return seenAt === undefined || seenAt === -Infinity ? undefined : seenAt;
    },
    pendingFor(workerId, ref) {
      const liveness = workers.get(workerId);
      return liveness?.pendingKeys?.has(attemptKey(ref)) ? liveness.pending?.at : undefined;
    },
    receive(workerId, heartbeat, throttleMs) {
      const liveness = entry(workerId);
      liveness.lastSeenAt = Math.max(liveness.lastSeenAt, heartbeat.at);
      const named = setKey(heartbeat.keys);
      const due = heartbeat.at - liveness.appendedAt >= throttleMs;
      const changed = named !== liveness.appendedSet;
      if (!due && !changed) {
        hold(liveness, heartbeat);
        return [];
      }

      // A changed set is appended at once, after the held-back heartbeat it supersedes, so the
      // attempts that only the held-back one named keep their exact freshness.
      const toAppend = changed && liveness.pending ? [liveness.pending, heartbeat] : [heartbeat];
      hold(liveness, undefined);
      liveness.appendedAt = heartbeat.at;
      liveness.appendedSet = named;
      return toAppend;
    },
    seen(workerId, at) {
      const liveness = entry(workerId);
      liveness.lastSeenAt = Math.max(liveness.lastSeenAt, at);
    },
    takePending(workerId) {
      const liveness = workers.get(workerId);
      const pending = liveness?.pending;
      if (liveness && pending) {
        hold(liveness, undefined);
        liveness.appendedAt = pending.at;
        liveness.appendedSet = setKey(pending.keys);
      }
      return pending;
    },
    workersWithPending: () => [...workers].filter(([, l]) => l.pending).map(([id]) => id),
    restore(workerId, heartbeat) {
      const liveness = entry(workerId);
      if (!liveness.pending || liveness.pending.at < heartbeat.at) hold(liveness, heartbeat);
      liveness.appendedAt = -Infinity;
    },
  };
}
