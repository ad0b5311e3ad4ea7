import type { Logger } from 'pino';
import type { RolloutEvent } from '../domain/index.ts';

const messages: Record<RolloutEvent['type'], string> = {
  RolloutEnqueued: 'rollout enqueued',
  AttemptStarted: 'attempt started',
  AttemptSucceeded: 'attempt succeeded',
  AttemptFailed: 'attempt failed',
  AttemptTimedOut: 'attempt timed out',
  RolloutRequeued: 'rollout requeued',
  RolloutSucceeded: 'rollout succeeded',
  RolloutFailed: 'rollout failed',
};

/** One structured line per event an operator cares about; inputs and outputs stay out of logs. */
export function logRolloutEvents(logger: Logger, events: readonly RolloutEvent[]): void {
  if (!logger.isLevelEnabled('info')) return;
  for (const event of events) {
    const { input: _input, output: _output, ...fields } = event.data as Record<string, unknown>;
    logger.info(fields, messages[event.type]);
  }
}
