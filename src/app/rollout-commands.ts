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

/** A conflict means another writer got there first; a handful of fresh tries settles it. */
const MAX_TRIES = 5;

/**
 * Loads the rollout, decides, and appends with the revision it decided on. On a conflict it
 * decides again from a fresh read. `command` may depend on the loaded state (the timeout handler
 * needs the attempt's worker before it can gather its heartbeat).
 */
export async function executeRolloutCommand(
  store: EventStore,
  rolloutId: string,
  command: RolloutCommand | ((state: RolloutState) => Promise<RolloutCommand>),
): Promise<RolloutCommandResult> {
  for (let attempt = 1; ; attempt++) {
    // 1. Load the authoritative state from the rollout's stream.
    const { state, revision } = await loadRollout(store, rolloutId);

    // 2. Decide from it.
    const resolved = typeof command === 'function' ? await command(state) : command;
    const decision = decideRollout(resolved, state);
    if (isRejection(decision)) return { ok: false, rejection: decision.rejection };
    const { events } = decision;
    const after = events.reduce(evolveRollout, state);
    if (events.length === 0) return { ok: true, events, state: after };

    // 3. Append with the revision the decision saw; retry on a conflict.
    try {
      const { position } = await store.append(rolloutStream(rolloutId), events, {
        expectedRevision: revision,
      });
      return { ok: true, events, state: after, position };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_TRIES) throw error;
    }
  }
}
