import { pino } from 'pino';
import { claimSchema } from '../../../src/app/client/views.ts';
import type { ClaimResult } from '../../../src/app/engine-api.ts';
import type { Config } from '../../../src/app/config.ts';
import { startServer, type RunningServer } from '../../../src/app/http/serve.ts';
import type { EventStore } from '../../../src/eventstore/port.ts';

/** A test server's answer: status, parsed JSON body (if any), raw text and headers. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export interface TestServer extends RunningServer {
  request(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  get(path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** POST /clock/advance, failing the test unless it answers 200. */
  advance(ms: number): Promise<void>;
  /** POST /workers/:workerId/claim, failing the test unless it hands out an attempt. */
  claim(workerId: string): Promise<ClaimResult>;
}

export const testConfig: Config = {
  host: '127.0.0.1',
  port: 0,
  store: 'memory:',
  heartbeatTimeoutMs: 30_000,
  tickIntervalMs: 1000,
  clock: 'manual',
  operatorToken: undefined,
  workerToken: undefined,
  allowInsecure: false,
  logLevel: 'silent',
};

/** A real server listening on a free loopback port, on the memory store and a manual clock. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  store?: EventStore,
): Promise<TestServer> {
  const config = { ...testConfig, ...overrides };
  const server = await startServer(config, { logger: pino({ level: 'silent' }), store });

  const request: TestServer['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let payload = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = JSON.stringify(options.body);
    }
    const response = await fetch(server.url + path, { method, headers, body: payload });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
    const body: unknown = isJson && text.length > 0 ? JSON.parse(text) : undefined;
    return { status: response.status, body, text, headers: response.headers };
  };

  return {
    ...server,
    request,
    post: (path, body, headers) => request('POST', path, { body, headers }),
    get: (path, headers) => request('GET', path, { headers }),
    async advance(ms) {
      const answer = await request('POST', '/clock/advance', { body: { ms } });
      if (answer.status !== 200) throw new Error(`advance failed: ${answer.text}`);
    },
    async claim(workerId) {
      const answer = await request('POST', `/workers/${workerId}/claim`);
      if (answer.status !== 200) throw new Error(`nothing claimed (${answer.status})`);
      return claimSchema.parse(answer.body);
    },
  };
}

/** The `error` of an error answer, for assertions on `code` and `details`. */
export function errorOf(answer: HttpAnswer): { code: string; message: string; details?: unknown } {
  const body = answer.body;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
      return {
        code: String(error.code),
        message: String(error.message),
        details: 'details' in error ? error.details : undefined,
      };
    }
  }
  throw new Error(`not an error answer (${answer.status}): ${answer.text}`);
}
