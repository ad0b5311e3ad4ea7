import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** Who may call a route: anyone, a worker (or an operator), or an operator only. */
export type AccessClass = 'open' | 'worker' | 'operator';

/** The tokens a server accepts; with none set, every route is open. */
export interface AccessTokens {
  operatorToken?: string;
  workerToken?: string;
}

type Role = 'operator' | 'worker';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Compares digests, so the time taken says nothing about how much of a token matched. */
function sameToken(presented: Buffer, expected: Buffer | undefined): boolean {
  return expected !== undefined && timingSafeEqual(presented, expected);
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Builds the check each route runs before its handler: 401 for a missing or unknown token,
 * 403 for the worker token on an operator route.
 */
export function createAccessCheck(tokens: AccessTokens) {
  const operator = tokens.operatorToken === undefined ? undefined : digest(tokens.operatorToken);
  const worker = tokens.workerToken === undefined ? undefined : digest(tokens.workerToken);

  function roleOf(request: FastifyRequest): Role | undefined {
    const token = bearerToken(request);
    if (token === undefined) return undefined;
    const presented = digest(token);
    const isOperator = sameToken(presented, operator);
    const isWorker = sameToken(presented, worker);
    return isOperator ? 'operator' : isWorker ? 'worker' : undefined;
  }

  return function checkAccess(request: FastifyRequest, access: AccessClass): void {
    if (access === 'open' || operator === undefined) return;

    const role = roleOf(request);
    if (role === undefined) {
      const missing = request.headers.authorization === undefined;
      throw new ApiError(
        401,
        'unauthorized',
        missing ? 'send Authorization: Bearer <token>' : 'the token is not one this server accepts',
      );
    }
    if (access === 'operator' && role === 'worker') {
      throw new ApiError(
        403,
        'forbidden',
        'the worker token may only claim, heartbeat and complete',
      );
    }
  };
}

export type AccessCheck = ReturnType<typeof createAccessCheck>;
