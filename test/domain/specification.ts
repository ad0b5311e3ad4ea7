import { expect } from 'vitest';
import {
  decideRollout,
  evolveRollout,
  initialRolloutState,
  type RolloutCommand,
  type RolloutEvent,
} from '../../src/domain/index.ts';

/** Given events, when a command, then events or a rejection code: a decider specification. */
export function given(...history: RolloutEvent[]) {
  const state = history.reduce(evolveRollout, initialRolloutState);
  return {
    when(command: RolloutCommand) {
      const decision = decideRollout(command, state);
      return {
        then(...expected: RolloutEvent[]) {
          expect(decision).toEqual({ events: expected });
        },
        thenRejects(code: string) {
          expect(decision).toMatchObject({ rejection: { code } });
        },
      };
    },
  };
}
