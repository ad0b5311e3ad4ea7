import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreUnavailableError } from '../../eventstore/port.ts';
import type { Rejection } from '../engine-api.ts';

/** What every error response carries: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An error the HTTP layer answers with its own status and stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    const { code, message, details } = this;
    return { error: details === undefined ? { code, message } : { code, message, details } };
  }
}

/** `not_found` is 404, a malformed request 400, and any other refusal by the state 409. */
export function rejectionToApiError(rejection: Rejection): ApiError {
  const status =
    rejection.code === 'not_found' ? 404 : rejection.code === 'invalid_request' ? 400 : 409;
  return new ApiError(status, rejection.code, rejection.message, rejection.details);
}

/** Fastify's own errors (body parsing, limits) with the codes this API documents. */
const fastifyErrors: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    message: 'the request body is larger than the limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'the body is empty but the content-type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'the body is not valid JSON',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'a path parameter is far longer than any valid id',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid_request',
    message: 'the path is not a valid URL path',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'the body does not match its Content-Length',
  },
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}

/** Turns anything thrown while handling a request into the API's error shape. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) {
    return new ApiError(
      503,
      'store_unavailable',
      `the event store cannot be reached: ${error.message}`,
    );
  }
  if (isFastifyError(error)) {
    const known = fastifyErrors[error.code];
    if (known) return new ApiError(known.status, known.code, known.message);
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return new ApiError(error.statusCode, 'invalid_request', error.message);
    }
  }
  return new ApiError(500, 'internal_error', 'the server failed to handle the request');
}

/** Fastify error handler: answers in the API's shape and logs server-side failures. */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const apiError = toApiError(error);
  const where = { method: request.method, url: request.url };
  if (apiError.status >= 500) request.log.error({ err: error, ...where }, 'request failed');
  // A worker or script with a wrong token otherwise fails quietly: tell the operator.
  if (apiError.status === 401 || apiError.status === 403) {
    request.log.warn({ ...where, code: apiError.code, ip: request.ip }, 'request refused');
  }
  void reply.code(apiError.status).send(apiError.toBody());
}
