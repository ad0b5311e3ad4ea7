import { isIP } from 'node:net';
import { z } from 'zod';
import { parseEsdbConnectionString } from '../eventstore/esdb-connection.ts';
import { parseSqliteSpec } from '../eventstore/open-store.ts';

/** One setting that stops start-up, named by its environment variable. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

const integerSetting = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const tokenSetting = z
  .string()
  .min(16, 'must be at least 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Every variable the server reads, with its default; the variable name is the error's name. */
const environmentSchema = z.object({
  VIGIL_HOST: z.string().default('127.0.0.1'),
  VIGIL_PORT: integerSetting(0, 65_535).default(7070),
  VIGIL_STORE: z
    .string()
    .regex(
      /^(sqlite:.+|memory:|(esdb|kurrentdb)(\+discover)?:\/\/.+)$/,
      'must be sqlite:<path>, memory:, or an esdb:// or kurrentdb:// connection string',
    )
    .superRefine((spec, context) => {
      const esdb = /^(esdb|kurrentdb)(\+discover)?:\/\//.test(spec);
      if (!esdb && !spec.startsWith('sqlite:')) return;
      try {
        if (esdb) parseEsdbConnectionString(spec);
        else parseSqliteSpec(spec);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.addIssue({ code: 'custom', message });
      }
    })
    .default('sqlite:data/vigil.db'),
  VIGIL_HEARTBEAT_TIMEOUT_MS: integerSetting(100, 86_400_000).default(30_000),
  VIGIL_TICK_INTERVAL_MS: integerSetting(10, 3_600_000).default(1000),
  VIGIL_CLOCK: z.enum(['system', 'manual'], 'must be system or manual').default('system'),
  VIGIL_OPERATOR_TOKEN: tokenSetting.optional(),
  VIGIL_WORKER_TOKEN: tokenSetting.optional(),
  VIGIL_ALLOW_INSECURE: z.enum(['0', '1'], 'must be 1 or 0').default('0'),
  VIGIL_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'must be a pino level')
    .default('info'),
});

/** The server's settings, parsed once at start-up. */
export type Config = z.output<typeof configSchema>;

const configSchema = environmentSchema.transform((settings) => ({
  host: settings.VIGIL_HOST,
  port: settings.VIGIL_PORT,
  store: settings.VIGIL_STORE,
  heartbeatTimeoutMs: settings.VIGIL_HEARTBEAT_TIMEOUT_MS,
  tickIntervalMs: settings.VIGIL_TICK_INTERVAL_MS,
  clock: settings.VIGIL_CLOCK,
  operatorToken: settings.VIGIL_OPERATOR_TOKEN,
  workerToken: settings.VIGIL_WORKER_TOKEN,
  allowInsecure: settings.VIGIL_ALLOW_INSECURE === '1',
  logLevel: settings.VIGIL_LOG_LEVEL,
}));

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** True for `localhost`, 127.0.0.0/8 and ::1 (also as an IPv4-mapped address). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Problems that involve more than one variable. */
function crossCheck(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.workerToken !== undefined && config.operatorToken === undefined) {
    problems.push({
      variable: 'VIGIL_WORKER_TOKEN',
      message: 'needs VIGIL_OPERATOR_TOKEN set too',
    });
  }
  if (config.workerToken !== undefined && config.workerToken === config.operatorToken) {
    problems.push({
      variable: 'VIGIL_WORKER_TOKEN',
      message: 'must differ from VIGIL_OPERATOR_TOKEN',
    });
  }
  if (!isLoopbackHost(config.host) && config.operatorToken === undefined && !config.allowInsecure) {
    problems.push({
      variable: 'VIGIL_HOST',
      message:
        `${config.host} is not a loopback address: set VIGIL_OPERATOR_TOKEN ` +
        '(or VIGIL_ALLOW_INSECURE=1 to serve it without tokens)',
    });
  }
  return problems;
}

/**
 * Reads the server's settings from an environment. An empty variable counts as unset.
 * Every problem names its variable, so start-up can say exactly what to fix.
 */
export function parseConfig(environment: NodeJS.ProcessEnv): ConfigResult {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([name, value]) => name.startsWith('VIGIL_') && value),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0]),
      message: issue.message,
    }));
    return { ok: false, problems };
  }

  const config = parsed.data;
  const problems = crossCheck(config);
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

/** One line per problem, e.g. `VIGIL_PORT: must be a whole number from 0 to 65535 (got "x")`. */
export function describeConfigProblems(
  problems: ConfigProblem[],
  environment: NodeJS.ProcessEnv,
): string {
  return problems
    .map(({ variable, message }) => {
      const value = environment[variable];
      const shown = value === undefined || variable.endsWith('_TOKEN') ? '' : ` (got "${value}")`;
      return `invalid configuration: ${variable}: ${message}${shown}`;
    })
    .join('\n');
}
