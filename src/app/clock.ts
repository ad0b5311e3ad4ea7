/** The engine's source of time, in milliseconds since the Unix epoch. */
export interface Clock {
  readonly kind: 'system' | 'manual';
  now(): number;
}

/** A clock that follows the machine's time. */
export const systemClock: Clock = { kind: 'system', now: () => Date.now() };

/** A clock that moves only when told to, so tests can skip time without sleeping. */
export interface ManualClock extends Clock {
  readonly kind: 'manual';
  advance(ms: number): number;
}

/** A manual clock frozen at `start` (default: 2026-01-01T00:00:00Z). */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  return {
    kind: 'manual',
    now: () => now,
    advance(ms: number): number {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance by ${ms} ms`);
      now += ms;
      return now;
    },
  };
}

export function isManualClock(clock: Clock): clock is ManualClock {
  return clock.kind === 'manual';
}
