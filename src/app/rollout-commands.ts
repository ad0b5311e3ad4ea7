import {
  decideRollout,
  evolveRollout,
  initialRolloutState,
  isRejection,
  RolloutEvent,
  rolloutStream,
  type Rejection,
  type RolloutCommand,
  type RolloutState,
} from '../domain/index.ts';
import { ConcurrencyError, type EventStore, type ExpectedRevision } from '../eventstore/port.ts';
import type { RolloutCache } from './rollout-cache.ts';

export interface LoadedRollout {
  state: RolloutState;
  revision: ExpectedRevision;
}

/** Reads a rollout's stream and folds it; every event must pass its schema. */
export async function loadRollout(store: EventStore, rolloutId: string): Promise<LoadedRollout> {
  const stored = await store.read(rolloutStream(rolloutId));
  let state = initialRolloutState;
  for (const event of stored) {
    state = evolveRollout(state, RolloutEvent.parse({ type: event.type, data: event.data }));
  }
  const last = stored.at(-1);
  return { state, revision: last ? last.revision : 'no_stream' };
}

export type RolloutCommandResult =
  | { ok: true; events: RolloutEvent[]; state: RolloutState; position?: number }
  | { ok: false; rejection: Rejection };

export interface RolloutCommandOptions {
  /** Rollouts this process decided on: the first try decides from it, each append refreshes it. */
  cache?: RolloutCache;
  /** Decide from the stream even when the cache holds the rollout (the cache is still refreshed). */
  fromStream?: boolean;
}

/** A conflict means another writer got there first; a handful of fresh tries settles it. */
const MAX_TRIES = 5;

/**
 * Loads the rollout, decides, and appends with the revision it decided on. On a conflict it
 * decides again from a fresh read. `command` may depend on the loaded state (the timeout handler
 * needs the attempt's worker before it can gather its heartbeat).
 *
 * With a cache, the first try starts from the state this process last decided; only an append
 * can confirm such a decision (the store checks its revision), so a rejection or a repeat that
 * appends nothing is decided again from the stream, and a conflict forgets the cached state
 * (without counting as one of the fresh tries).
 */
export async function executeRolloutCommand(
  store: EventStore,
  rolloutId: string,
  command: RolloutCommand | ((state: RolloutState) => Promise<RolloutCommand>),
  { cache, fromStream = false }: RolloutCommandOptions = {},
): Promise<RolloutCommandResult> {
  let cached = fromStream ? undefined : cache?.get(rolloutId);
  for (let tries = 1; ;) {
    // 1. Load the state: the cached decision on the first try, else the rollout's stream.
    const { state, revision } = cached ?? (await loadRollout(store, rolloutId));
    const fromCache = cached !== undefined;
    cached = undefined;

    // 2. Decide from it.
    const resolved = typeof command === 'function' ? await command(state) : command;
    const decision = decideRollout(resolved, state);
    if (fromCache && (isRejection(decision) || decision.events.length === 0)) continue;
    if (isRejection(decision)) return { ok: false, rejection: decision.rejection };
    const { events } = decision;
    const after = events.reduce(evolveRollout, state);
    if (events.length === 0) return { ok: true, events, state: after };

    // 3. Append with the revision the decision saw; retry on a conflict.
    try {
      const appended = await store.append(rolloutStream(rolloutId), events, {
        expectedRevision: revision,
      });
      cache?.remember(rolloutId, { state: after, revision: appended.revision });
      return { ok: true, events, state: after, position: appended.position };
    } catch (error) {
      cache?.forget(rolloutId);
      if (!(error instanceof ConcurrencyError) || (!fromCache && tries >= MAX_TRIES)) throw error;
      if (!fromCache) tries += 1;
    }
  }
}
