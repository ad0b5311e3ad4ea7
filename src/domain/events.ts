import { z } from 'zod';
import { AttemptRef, Id, Instant } from './ids.ts';
import { jsonValue } from './json-value.ts';

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), data: z.object(shape).strict() }).strict();

export const RolloutEnqueued = event('RolloutEnqueued', {
  rolloutId: Id,
  input: jsonValue(),
  maxAttempts: z.number().int().min(1),
  heartbeatTimeoutMs: z.number().int().positive().optional(),
  at: Instant,
});

export const AttemptStarted = event('AttemptStarted', {
  rolloutId: Id,
  attemptId: Id,
  attemptNumber: z.number().int().min(1),
  workerId: Id,
  at: Instant,
});

/** Terminal attempt events carry the last heartbeat, so read models survive trimmed worker streams. */
const attemptEnd = {
  rolloutId: Id,
  attemptId: Id,
  workerId: Id,
  lastHeartbeatAt: Instant,
  at: Instant,
};

export const AttemptSucceeded = event('AttemptSucceeded', {
  ...attemptEnd,
  output: jsonValue().optional(),
});

export const AttemptFailed = event('AttemptFailed', {
  ...attemptEnd,
  error: z.string().optional(),
});

export const AttemptTimedOut = event('AttemptTimedOut', {
  ...attemptEnd,
  silentForMs: z.number().int().nonnegative(),
  reason: z.literal('heartbeat'),
});

export const RolloutRequeued = event('RolloutRequeued', { rolloutId: Id, at: Instant });

export const RolloutSucceeded = event('RolloutSucceeded', {
  rolloutId: Id,
  output: jsonValue().optional(),
  at: Instant,
});

export const RolloutFailed = event('RolloutFailed', {
  rolloutId: Id,
  error: z.string().optional(),
  at: Instant,
});

export const WorkerRegistered = event('WorkerRegistered', { workerId: Id, at: Instant });

export const WorkerHeartbeated = event('WorkerHeartbeated', {
  workerId: Id,
  activeAttempts: z.array(AttemptRef),
  at: Instant,
});

export const Ticked = event('Ticked', { at: Instant });

export const RolloutEvent = z.discriminatedUnion('type', [
  RolloutEnqueued,
  AttemptStarted,
  AttemptSucceeded,
  AttemptFailed,
  AttemptTimedOut,
  RolloutRequeued,
  RolloutSucceeded,
  RolloutFailed,
]);
export type RolloutEvent = z.infer<typeof RolloutEvent>;

export const WorkerEvent = z.discriminatedUnion('type', [WorkerRegistered, WorkerHeartbeated]);
export type WorkerEvent = z.infer<typeof WorkerEvent>;

export const VigilEvent = z.discriminatedUnion('type', [
  ...RolloutEvent.options,
  ...WorkerEvent.options,
  Ticked,
]);
export type VigilEvent = z.infer<typeof VigilEvent>;
export type VigilEventType = VigilEvent['type'];

/** Narrows a union member by its `type`. */
export type EventOf<T extends VigilEventType> = Extract<VigilEvent, { type: T }>;
