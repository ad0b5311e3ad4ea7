import { accept, type Decision } from './decision.ts';
import type { WorkerCommand } from './commands.ts';
import type { WorkerEvent } from './events.ts';

/** All a worker's stream needs to decide: whether the worker was registered already. */
export interface WorkerState {
  registered: boolean;
}

export const initialWorkerState: WorkerState = { registered: false };

export const evolveWorker = (state: WorkerState, event: WorkerEvent): WorkerState =>
  event.type === 'WorkerRegistered' ? { registered: true } : state;

/**
 * A worker's first sign of life registers it; a heartbeat is always recorded. Heartbeats are
 * never refused: whether the attempts they name still run is answered from the rollouts.
 */
export function decideWorker(command: WorkerCommand, state: WorkerState): Decision<WorkerEvent> {
  const { workerId, at } = command;
  const registration: WorkerEvent[] = state.registered
    ? []
    : [{ type: 'WorkerRegistered', data: { workerId, at } }];

  if (command.type === 'RegisterWorker') return accept(...registration);
  const heartbeat: WorkerEvent = {
    type: 'WorkerHeartbeated',
    data: { workerId, activeAttempts: command.activeAttempts, at },
  };
  return accept(...registration, heartbeat);
}
