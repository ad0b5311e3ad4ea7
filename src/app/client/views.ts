import { z } from 'zod';
import type {
  AttemptView,
  CancelledAttempt,
  ClaimResult,
  Page,
  RolloutView,
  WorkerView,
} from '../engine-api.ts';

/** Response bodies as the client checks them; typed against the engine's views. */

const attemptRefSchema = z.object({ rolloutId: z.string(), attemptId: z.string() });

const attemptStatusSchema = z.enum(['running', 'succeeded', 'failed', 'timeout']);

export const attemptViewSchema: z.ZodType<AttemptView> = z.object({
  rolloutId: z.string(),
  attemptId: z.string(),
  attemptNumber: z.number(),
  workerId: z.string(),
  status: attemptStatusSchema,
  startedAt: z.string(),
  lastHeartbeatAt: z.string(),
  endedAt: z.string().optional(),
  timeoutReason: z.literal('heartbeat').optional(),
});

const rolloutStatusSchema = z.enum(['queuing', 'running', 'requeuing', 'succeeded', 'failed']);

export const rolloutViewSchema: z.ZodType<RolloutView> = z.object({
  rolloutId: z.string(),
  status: rolloutStatusSchema,
  maxAttempts: z.number(),
  heartbeatTimeoutMs: z.number().optional(),
  input: z.unknown(),
  output: z.unknown().optional(),
  error: z.string().optional(),
  attempts: z.array(attemptViewSchema),
});

export const workerViewSchema: z.ZodType<WorkerView> = z.object({
  workerId: z.string(),
  status: z.enum(['active', 'idle', 'stale']),
  lastHeartbeatAt: z.string(),
  activeAttempts: z.array(attemptRefSchema),
});

export function pageSchema<T>(item: z.ZodType<T>): z.ZodType<Page<T>> {
  return z.object({ items: z.array(item), next: z.string().optional() });
}

export const enqueuedSchema = z.object({ rolloutId: z.string(), status: rolloutStatusSchema });

export const claimSchema: z.ZodType<ClaimResult> = z.object({
  rolloutId: z.string(),
  attemptId: z.string(),
  attemptNumber: z.number(),
  input: z.unknown(),
});

const cancelledAttemptSchema: z.ZodType<CancelledAttempt> = attemptRefSchema.extend({
  status: z.enum(['running', 'succeeded', 'failed', 'timeout', 'unknown']),
});

export const heartbeatResponseSchema = z.object({
  cancelledAttempts: z.array(cancelledAttemptSchema),
});

export const completeResponseSchema = z.object({
  rollout: rolloutViewSchema,
  attempt: attemptViewSchema,
});

export const advanceClockResponseSchema = z.object({ now: z.string() });

export const healthSchema = z.object({
  status: z.literal('ok'),
  store: z.string(),
  projectionPosition: z.number(),
});

export type Health = z.infer<typeof healthSchema>;

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
