import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The test's environment without any VIGIL_ variable, plus the given ones. */
export function environmentWith(settings: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_'));
  return { ...Object.fromEntries(base), ...settings };
}

/** Starts `node --import tsx <script> ...args` in the repository. */
export function spawnTs(script: string, args: string[], settings: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repositoryRoot,
    env: environmentWith(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output until it exits. */
export async function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  return { code: typeof code === 'number' ? code : null, stdout, stderr };
}

/** Resolves with the first stdout line that contains `text` (the child keeps running). */
export function lineContaining(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((candidate) => candidate.includes(text));
      if (line === undefined) return;
      child.stdout?.off('data', onData);
      resolve(line);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${text}"`)));
  });
}
