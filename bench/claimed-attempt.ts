import { z } from 'zod';

/** The part of a `POST /workers/:workerId/claim` answer that a simulated worker keeps. */
export const ClaimedAttempt = z.object({ rolloutId: z.string(), attemptId: z.string() });
