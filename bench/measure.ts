import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A scratch folder for store files, removed by `remove`. */
export interface Scratch {
  readonly dir: string;
  file(name: string): string;
  remove(): void;
}

export function createScratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  return {
    dir,
    file: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Seconds elapsed since `started` (a `performance.now()` reading). */
export const secondsSince = (started: number): number => (performance.now() - started) / 1000;

/** Wall-clock and CPU seconds a task took (CPU of this whole process). */
export async function timed(
  task: () => Promise<void>,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await task();
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: secondsSince(started), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The value below which `fraction` of the (unsorted) samples fall. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** The middle of the samples (the mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

// tsx starts node without --expose-gc; the flag can still be set, and `gc` read from a new context.
setFlagsFromString('--expose-gc');
const gc: unknown = runInNewContext('gc');

/** Heap in use after full collections, so two readings differ only by what is still reachable. */
export function settledHeapBytes(): number {
  if (typeof gc !== 'function') throw new Error('cannot reach the garbage collector');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Runs `task` `count` times with at most `concurrency` runs in flight; index passed in. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
