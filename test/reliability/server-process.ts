import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { VigilClient } from '../../src/app/client/client.ts';
import { spawnTs } from '../app/http/child-process.ts';

const listening = z.object({ msg: z.literal('vigil listening'), url: z.string() });

/** `npm start` running in a child process, as an operator would run it. */
export interface ServerProcess {
  readonly url: string;
  readonly client: VigilClient;
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful stop; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The last lines the child wrote to stderr, for a failing test's message. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return () => tail;
}

/**
 * Starts `src/app/main.ts` with the given VIGIL_ settings on an ephemeral port, and resolves
 * once it logs the URL it listens on. Its output is read to the end, so it never blocks on it.
 */
export async function startServerProcess(
  settings: Record<string, string>,
  token?: string,
): Promise<ServerProcess> {
  const child = spawnTs('src/app/main.ts', [], {
    VIGIL_PORT: '0',
    VIGIL_LOG_LEVEL: 'info',
    ...settings,
  });
  const exited = once(child, 'exit');
  const stderr = stderrTail(child);

  const { stdout } = child;
  if (!stdout) throw new Error('the server process has no stdout to read');
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      if (!line.includes('vigil listening')) return;
      resolve(listening.parse(JSON.parse(line)).url);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr()}`)));
  });

  return {
    url,
    child,
    client: new VigilClient({ url, token, timeoutMs: 20_000 }),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return typeof code === 'number' ? code : null;
    },
  };
}
