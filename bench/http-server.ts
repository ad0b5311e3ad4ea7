import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { z } from 'zod';
import { parseConfig } from '../src/app/config.ts';
import { startServer, type RunningServer } from '../src/app/http/serve.ts';
import type { LoadPlan, LoadResult } from './http-load.ts';

/** The real server (`npm start`'s code path) on loopback, over a SQLite file, port chosen by the OS. */
export async function startBenchServer(
  storePath: string,
  settings: { heartbeatTimeoutMs?: number; tickIntervalMs?: number } = {},
): Promise<RunningServer> {
  const parsed = parseConfig({
    VIGIL_HOST: '127.0.0.1',
    VIGIL_PORT: '0',
    VIGIL_STORE: `sqlite:${storePath}`,
    VIGIL_LOG_LEVEL: 'silent',
    ...(settings.heartbeatTimeoutMs === undefined
      ? {}
      : { VIGIL_HEARTBEAT_TIMEOUT_MS: String(settings.heartbeatTimeoutMs) }),
    ...(settings.tickIntervalMs === undefined
      ? {}
      : { VIGIL_TICK_INTERVAL_MS: String(settings.tickIntervalMs) }),
  });
  if (!parsed.ok) throw new Error(`bench server settings: ${JSON.stringify(parsed.problems)}`);
  return startServer(parsed.config, { logger: pino({ level: 'silent' }) });
}

/** POSTs JSON to the server and parses the answer with `schema`; throws on a non-2xx status. */
export async function postJson<T>(url: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return schema.parse(response.status === 204 ? null : await response.json());
}

const LOAD_SCRIPT = fileURLToPath(new URL('./http-load.ts', import.meta.url));

/** Runs one load plan in a child process (its own core, its own event loop). */
export function runLoadInChild(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(LOAD_SCRIPT, [], { execArgv: ['--import', 'tsx'] });
    let result: LoadResult | undefined;
    child.on('message', (message: LoadResult) => (result = message));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`the load generator exited with code ${String(code)}`));
    });
    child.send(plan);
  });
}
