import type { Rejection } from './rejection.ts';

/** What a decider answers: the events to append (possibly none), or a rejection. */
export type Decision<E> = { events: E[] } | { rejection: Rejection };

export const accept = <E>(...events: E[]): Decision<E> => ({ events });

export const isRejection = <E>(decision: Decision<E>): decision is { rejection: Rejection } =>
  'rejection' in decision;
