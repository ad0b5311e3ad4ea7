import { VigilApiError, VigilError, VigilUnreachableError } from '../client/errors.ts';
import { commands, UsageError, type CliIo } from './commands.ts';

export type { CliIo } from './commands.ts';

const usage = `Usage: vigil <command> [options]

Commands:
  serve                               serve the HTTP API (configured by VIGIL_* variables)
  enqueue [--id ID] [--input JSON] [--max-attempts N] [--heartbeat-timeout MS]
  workers                             list workers
  attempts [--status S] [--worker ID] [--rollout ID]
  rollouts [--status S]

Options:
  --url URL      server to talk to (default $VIGIL_URL or http://127.0.0.1:7070)
  --token TOKEN  bearer token (default $VIGIL_TOKEN, then $VIGIL_OPERATOR_TOKEN)
  --json         print the API's JSON instead of a table
  --limit N, --after CURSOR   page through a list
`;

/** Explains a failure in one line and answers the exit code. */
function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr.write(`vigil: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (error instanceof VigilUnreachableError) {
    io.stderr.write(
      `vigil: cannot reach the Vigil server at ${error.url}: ${error.reason}\n` +
        'Is it running? Start one with `vigil serve`, or point --url at it.\n',
    );
    return 1;
  }
  if (error instanceof VigilApiError) {
    io.stderr.write(`vigil: ${error.code} (HTTP ${error.status}): ${error.message}\n`);
    return 1;
  }
  if (error instanceof VigilError) {
    io.stderr.write(`vigil: ${error.code}: ${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Runs the operator CLI with `argv` (without node and the script) and answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) return reportFailure(new UsageError(`unknown command "${name}"`), io);

  try {
    return await command(args, io);
  } catch (error) {
    return reportFailure(error, io);
  }
}
