import type { RolloutState } from '../domain/index.ts';

/** A rollout's state as this process last decided it, and the stream revision it ends at. */
export interface DecidedRollout {
  state: RolloutState;
  revision: number;
}

/**
 * The rollouts this process decided on last, so that the next command on one of them decides
 * without reading its stream. Only a hint: an append decided from it carries its revision, so a
 * write by another process turns it into a conflict, which forgets the rollout and decides again
 * from the stream. Finished rollouts are not kept, and at most `capacity` others (the least
 * recently decided go first), so memory stays bounded by the work in flight.
 */
export interface RolloutCache {
  get(rolloutId: string): DecidedRollout | undefined;
  /** Keeps the state an append ended at; never replaces a newer one. */
  remember(rolloutId: string, decided: DecidedRollout): void;
  forget(rolloutId: string): void;
  size(): number;
}

/** Enough for every rollout a busy engine has in flight; beyond it the oldest are read again. */
export const DEFAULT_ROLLOUT_CACHE_CAPACITY = 10_000;

const finished = (state: RolloutState): boolean =>
  state.exists && (state.status === 'succeeded' || state.status === 'failed');

export function createRolloutCache(capacity = DEFAULT_ROLLOUT_CACHE_CAPACITY): RolloutCache {
  // A Map iterates in insertion order: re-inserting on each decision keeps the oldest first.
  const decided = new Map<string, DecidedRollout>();

  return {
    get: (rolloutId) => decided.get(rolloutId),
    remember(rolloutId, latest) {
      const known = decided.get(rolloutId);
      if (known && known.revision >= latest.revision) return;
      decided.delete(rolloutId);
      if (finished(latest.state)) return;
      decided.set(rolloutId, latest);
      if (decided.size > capacity) {
        const oldest = decided.keys().next();
        if (!oldest.done) decided.delete(oldest.value);
      }
    },
    forget(rolloutId) {
      decided.delete(rolloutId);
    },
    size: () => decided.size,
  };
}
