import { z } from 'zod';

/** Ids are 1–128 characters from `[A-Za-z0-9._:-]`, so no id can escape its stream name. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 characters of A-Z a-z 0-9 . _ : -');

/** Milliseconds since the Unix epoch, from the engine's clock. */
export const Instant = z.number().int().nonnegative();

export const AttemptRef = z.object({ rolloutId: Id, attemptId: Id }).strict();
export type AttemptRef = z.infer<typeof AttemptRef>;

/** One key for an attempt, unique across rollouts. */
export function attemptKey(ref: AttemptRef): string {
  return `${ref.rolloutId}/${ref.attemptId}`;
}

export const rolloutStream = (rolloutId: string): string => `rollout-${rolloutId}`;
export const workerStream = (workerId: string): string => `worker-${workerId}`;
export const TICKS_STREAM = 'ticks';
