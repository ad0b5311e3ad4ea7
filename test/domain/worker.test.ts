import { describe, expect, it } from 'vitest';
import {
  decideWorker,
  evolveWorker,
  initialWorkerState,
  type WorkerCommand,
} from '../../src/domain/index.ts';

const heartbeat: WorkerCommand = {
  type: 'RecordHeartbeat',
  workerId: 'w',
  activeAttempts: [{ rolloutId: 'r', attemptId: 'a' }],
  at: 5,
};

describe('worker decider', () => {
  it('registers a worker on its first sign of life, then records the heartbeat', () => {
    expect(decideWorker(heartbeat, initialWorkerState)).toEqual({
      events: [
        { type: 'WorkerRegistered', data: { workerId: 'w', at: 5 } },
        {
          type: 'WorkerHeartbeated',
          data: { workerId: 'w', activeAttempts: heartbeat.activeAttempts, at: 5 },
        },
      ],
    });
  });

  it('records only the heartbeat for a registered worker', () => {
    const state = evolveWorker(initialWorkerState, {
      type: 'WorkerRegistered',
      data: { workerId: 'w', at: 1 },
    });
    expect(decideWorker(heartbeat, state)).toEqual({
      events: [
        {
          type: 'WorkerHeartbeated',
          data: { workerId: 'w', activeAttempts: heartbeat.activeAttempts, at: 5 },
        },
      ],
    });
  });

  it('registers a worker once', () => {
    const registered = { registered: true };
    expect(decideWorker({ type: 'RegisterWorker', workerId: 'w', at: 1 }, registered)).toEqual({
      events: [],
    });
  });
});
