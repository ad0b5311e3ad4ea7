import { z } from 'zod';
import { AttemptRef, Id, Instant } from './ids.ts';
import { jsonValue } from './json-value.ts';

export const EnqueueRollout = z
  .object({
    type: z.literal('EnqueueRollout'),
    rolloutId: Id,
    input: jsonValue(),
    maxAttempts: z.number().int().min(1).max(100),
    heartbeatTimeoutMs: z.number().int().min(100).max(86_400_000).optional(),
    at: Instant,
  })
  .strict();

/** Claiming one specific rollout: the handler picks which from the claim queue. */
export const StartAttempt = z
  .object({
    type: z.literal('StartAttempt'),
    rolloutId: Id,
    attemptId: Id,
    workerId: Id,
    at: Instant,
  })
  .strict();

export const CompleteAttempt = z
  .object({
    type: z.literal('CompleteAttempt'),
    rolloutId: Id,
    attemptId: Id,
    workerId: Id,
    status: z.enum(['succeeded', 'failed']),
    output: jsonValue().optional(),
    error: z.string().optional(),
    /** The latest heartbeat the engine holds for the attempt, recorded on its terminal event. */
    lastHeartbeatAt: Instant,
    at: Instant,
  })
  .strict();

export const TimeOutAttempt = z
  .object({
    type: z.literal('TimeOutAttempt'),
    rolloutId: Id,
    attemptId: Id,
    /** The tick's time: the moment at which staleness is judged. */
    at: Instant,
    /** Latest heartbeat naming the attempt, read by the handler from its worker's stream. */
    lastHeartbeatAt: Instant,
    /** Silence before this instant does not count (the engine was down). */
    notBefore: Instant,
    defaultHeartbeatTimeoutMs: z.number().int().positive(),
  })
  .strict();

export const RolloutCommand = z.discriminatedUnion('type', [
  EnqueueRollout,
  StartAttempt,
  CompleteAttempt,
  TimeOutAttempt,
]);
export type RolloutCommand = z.infer<typeof RolloutCommand>;

export const RecordHeartbeat = z
  .object({
    type: z.literal('RecordHeartbeat'),
    workerId: Id,
    activeAttempts: z.array(AttemptRef).max(1000),
    at: Instant,
  })
  .strict();

export const RegisterWorker = z
  .object({ type: z.literal('RegisterWorker'), workerId: Id, at: Instant })
  .strict();

export const WorkerCommand = z.discriminatedUnion('type', [RecordHeartbeat, RegisterWorker]);
export type WorkerCommand = z.infer<typeof WorkerCommand>;
