import { z } from 'zod';

/** Limits the server enforces; each has its own error code so a client can tell them apart. */
export const limits = {
  /** Large enough for a heartbeat naming 1,000 attempts with 128-character ids. */
  bodyBytes: 512 * 1024,
  /** A rollout's input and an attempt's output, measured as JSON. */
  payloadBytes: 64 * 1024,
  errorMessageChars: 8 * 1024,
  activeAttempts: 1000,
} as const;

const ID_RULE = 'must be 1–128 characters of A-Z a-z 0-9 . _ : -';

/**
 * The options of a check whose failure names its limit: the problem in `details` carries `code`
 * (e.g. `id_too_long`), so a client can tell the limits apart within `400 invalid_request`.
 */
const limit = (code: string, message: string) => ({ message, params: { code }, abort: true });

/** Ids are 1–128 characters from `[A-Za-z0-9._:-]`, so no id can escape its stream name. */
export const idSchema = z
  .string()
  .refine((id) => id.length > 0, limit('id_empty', ID_RULE))
  .refine((id) => id.length <= 128, limit('id_too_long', ID_RULE))
  .refine((id) => /^[A-Za-z0-9._:-]*$/.test(id), limit('id_invalid_characters', ID_RULE));

const rolloutStatusSchema = z.enum(['queuing', 'running', 'requeuing', 'succeeded', 'failed']);
const attemptStatusSchema = z.enum(['running', 'succeeded', 'failed', 'timeout']);

const attemptRefSchema = z.strictObject({ rolloutId: idSchema, attemptId: idSchema });

export const rolloutParams = z.strictObject({ rolloutId: idSchema });
export const workerParams = z.strictObject({ workerId: idSchema });
export const attemptParams = z.strictObject({ rolloutId: idSchema, attemptId: idSchema });
export const noParams = z.strictObject({});

export const noQuery = z.strictObject({});
/** A command with nothing to say may send no body or `{}`. */
export const emptyBody = z.strictObject({}).optional();
/** Queries read the projections; a body sent with a GET is ignored. */
export const ignoredBody = z.unknown();

export const enqueueBody = z.strictObject({
  rolloutId: idSchema.optional(),
  input: z.unknown().optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  heartbeatTimeoutMs: z.number().int().min(100).max(86_400_000).optional(),
});

export const heartbeatBody = z.strictObject({
  activeAttempts: z
    .array(attemptRefSchema)
    .refine(
      (named) => named.length <= limits.activeAttempts,
      limit('too_many_attempts', `at most ${limits.activeAttempts} attempts`),
    ),
});

export const completeBody = z.strictObject({
  workerId: idSchema,
  status: z.enum(['succeeded', 'failed']),
  output: z.unknown().optional(),
  error: z
    .string()
    .refine(
      (error) => error.length <= limits.errorMessageChars,
      limit('error_too_long', `at most ${limits.errorMessageChars} characters`),
    )
    .optional(),
});

export const advanceClockBody = z.strictObject({
  ms: z.number().int().min(1).max(31_536_000_000),
});

const limitSchema = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 1 to 1000')
  .transform(Number)
  .pipe(z.number().int().min(1).max(1000))
  .optional();

/** Cursors are the engine's positions: non-negative integers, sent as strings. */
const afterSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,15})$/, 'must be a cursor from a previous page')
  .optional();

export const pageQuery = z.strictObject({ limit: limitSchema, after: afterSchema });

export const rolloutsQuery = pageQuery.extend({ status: rolloutStatusSchema.optional() });

export const attemptsQuery = pageQuery.extend({
  status: attemptStatusSchema.optional(),
  workerId: idSchema.optional(),
  rolloutId: idSchema.optional(),
});
