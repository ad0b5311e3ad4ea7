import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VigilClient } from '../client/client.ts';
import type { AttemptStatus, Page, RolloutStatus } from '../engine-api.ts';
import { attemptsTable, rolloutsTable, workersTable } from './operator-view.ts';

/** Where the CLI writes and what it reads; injectable so tests run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** The time relative times are measured from (default: the system's). */
  now?: () => number;
  fetch?: typeof fetch;
}

/** A mistake in the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const commonOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const pageOptions = {
  ...commonOptions,
  limit: { type: 'string' },
  after: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const rolloutStatuses = ['queuing', 'running', 'requeuing', 'succeeded', 'failed'] as const;
const attemptStatuses = ['running', 'succeeded', 'failed', 'timeout'] as const;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function integerOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string) {
  if (value === undefined) return undefined;
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return match;
}

function clientFor(values: { url?: string; token?: string }, io: CliIo): VigilClient {
  const url = values.url ?? io.env.VIGIL_URL ?? 'http://127.0.0.1:7070';
  const token = values.token ?? io.env.VIGIL_TOKEN ?? io.env.VIGIL_OPERATOR_TOKEN;
  return new VigilClient({ url, token: token || undefined, fetch: io.fetch });
}

const printJson = (io: CliIo, value: unknown) =>
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** A page as JSON, or as a table followed by how to get the next page. */
function printPage<T>(
  io: CliIo,
  json: boolean | undefined,
  page: Page<T>,
  table: (items: T[], now: number) => string,
): number {
  if (json) {
    printJson(io, page);
    return 0;
  }
  io.stdout.write(table(page.items, io.now?.() ?? Date.now()));
  if (page.next !== undefined) io.stdout.write(`(more: --after ${page.next})\n`);
  return 0;
}

async function enqueue(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, {
    ...commonOptions,
    id: { type: 'string' },
    input: { type: 'string' },
    'max-attempts': { type: 'string' },
    'heartbeat-timeout': { type: 'string' },
  });
  let input: unknown;
  try {
    input = values.input === undefined ? undefined : JSON.parse(values.input);
  } catch {
    throw new UsageError(`--input must be JSON, got ${values.input}`);
  }
  const response = await clientFor(values, io).enqueue({
    rolloutId: values.id,
    input,
    maxAttempts: integerOption(values['max-attempts'], '--max-attempts'),
    heartbeatTimeoutMs: integerOption(values['heartbeat-timeout'], '--heartbeat-timeout'),
  });

  if (values.json) printJson(io, response.created ? response : response.rollout);
  else if (response.created)
    io.stdout.write(`enqueued ${response.rolloutId} (${response.status})\n`);
  else io.stdout.write(`${response.rolloutId} was already enqueued (${response.status})\n`);
  return 0;
}

async function workers(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, pageOptions);
  const page = await clientFor(values, io).listWorkers({
    limit: integerOption(values.limit, '--limit'),
    after: values.after,
  });
  return printPage(io, values.json, page, workersTable);
}

async function attempts(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, {
    ...pageOptions,
    status: { type: 'string' },
    worker: { type: 'string' },
    rollout: { type: 'string' },
  });
  const status: AttemptStatus | undefined = oneOf(values.status, attemptStatuses, '--status');
  const page = await clientFor(values, io).listAttempts({
    status,
    workerId: values.worker,
    rolloutId: values.rollout,
    limit: integerOption(values.limit, '--limit'),
    after: values.after,
  });
  return printPage(io, values.json, page, attemptsTable);
}

async function rollouts(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, { ...pageOptions, status: { type: 'string' } });
  const status: RolloutStatus | undefined = oneOf(values.status, rolloutStatuses, '--status');
  const page = await clientFor(values, io).listRollouts({
    status,
    limit: integerOption(values.limit, '--limit'),
    after: values.after,
  });
  return printPage(io, values.json, page, rolloutsTable);
}

async function serve(args: string[], io: CliIo): Promise<number> {
  parse(args, {});
  // Loaded on demand: the other commands need only the client.
  const { runServerProcess } = await import('../http/serve.ts');
  return runServerProcess(io.env, io.stderr);
}

/** Each command takes its own arguments and answers its exit code. */
export const commands: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  serve,
  enqueue,
  workers,
  attempts,
  rollouts,
};
