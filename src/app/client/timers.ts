/** The one timer function a worker needs; inject a manual one to drive a worker in tests. */
export interface WorkerTimers {
  /** Calls `callback` once, `ms` from now; the function returned cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

/** Timers on the machine's clock. */
export const systemTimers: WorkerTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

/** Timers that fire only when {@link ManualTimers.advance} moves their time past them. */
export interface ManualTimers extends WorkerTimers {
  /** Milliseconds since the timers were created, as far as they know. */
  now(): number;
  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void;
  /** How many timers are waiting to fire. */
  pending(): number;
}

interface PendingTimer {
  id: number;
  due: number;
  callback: () => void;
}

/** Manual timers for deterministic tests: nothing fires until `advance` is called. */
export function createManualTimers(): ManualTimers {
  let now = 0;
  let nextId = 0;
  const pending = new Map<number, PendingTimer>();

  function earliestDue(limit: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of pending.values()) {
      if (timer.due > limit) continue;
      if (!earliest || timer.due < earliest.due) earliest = timer;
    }
    return earliest;
  }

  return {
    now: () => now,
    pending: () => pending.size,
    setTimeout(callback, ms) {
      const id = nextId++;
      pending.set(id, { id, due: now + Math.max(0, ms), callback });
      return () => pending.delete(id);
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance by ${ms} ms`);
      const target = now + ms;
      for (let timer = earliestDue(target); timer; timer = earliestDue(target)) {
        pending.delete(timer.id);
        now = timer.due;
        timer.callback();
      }
      now = target;
    },
  };
}
