import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/port.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';

const WRITER = join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts');

interface Acknowledged {
  position: number;
  batch: number;
  size: number;
}

interface Writer {
  /** How many appends the writer has acknowledged so far. */
  count(): number;
  /** Resolves once the writer has acknowledged at least `count` appends. */
  acknowledged(count: number): Promise<void>;
  /** Kills the writer with SIGKILL; resolves with every acknowledgement it printed. */
  kill(): Promise<Acknowledged[]>;
}

/** Starts a process that appends batches of 1–3 events to `path` until it is killed. */
function startWriter(path: string, sync: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, sync], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Acknowledged[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  let partialLine = '';
  let stderr = '';
  const exited = new Promise<Acknowledged[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lines);
      else reject(new Error(`writer exited by itself (code ${code}): ${stderr}`));
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const complete = (partialLine + chunk.toString()).split('\n');
    partialLine = complete.pop() ?? '';
    for (const line of complete) {
      const [position, batch, size] = line.split(' ').map(Number);
      lines.push({ position: position!, batch: batch!, size: size! });
    }
    for (const waiter of waiting.filter(({ count }) => lines.length >= count)) waiter.resolve();
  });
  return {
    count: () => lines.length,
    acknowledged: (count) =>
      Promise.race([
        new Promise<void>((resolve) => waiting.push({ count, resolve })),
        exited.then(() => undefined),
      ]),
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

function readEverything(path: string): Promise<StoredEvent[]> {
  const store = createSqliteStore(path);
  return store.readAll().finally(() => store.close());
}

/** Acknowledged appends whose last event is not in the file with the data that was written. */
function lostAppends(acknowledged: Acknowledged[], events: StoredEvent[]): Acknowledged[] {
  const byPosition = new Map(events.map((event) => [event.position, event.data]));
  return acknowledged.filter(({ position, batch, size }) => {
    const written = JSON.stringify({ batch, part: size - 1, size });
    return JSON.stringify(byPosition.get(position)) !== written;
  });
}

describe('sqlite store shared with, or written by, another process', () => {
  let path: string;
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-processes-'));
    path = join(folder, 'vigil.db');
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it.each(['normal', 'full'])(
    'keeps every acknowledged append after kill -9 (sync=%s), and no partial batch',
    async (sync) => {
      const writer = startWriter(path, sync);
      await writer.acknowledged(1_500);

      const acknowledged = await writer.kill();

      const events = await readEverything(path);
      const batchSizes = new Map<number, number>();
      for (const { data } of events) {
        const { batch } = data as { batch: number };
        batchSizes.set(batch, (batchSizes.get(batch) ?? 0) + 1);
      }
      const partial = [...batchSizes].filter(([batch, seen]) => seen !== (batch % 3) + 1);
      expect(acknowledged.length).toBeGreaterThanOrEqual(1_500);
      expect(lostAppends(acknowledged, events)).toEqual([]);
      expect(partial).toEqual([]);
    },
  );

  it('lets two processes append to one file at the same time', async () => {
    const writer = startWriter(path, 'normal');
    await writer.acknowledged(100);
    const store = createSqliteStore(path);

    for (let revision = 0; revision < 300; revision++) {
      const expectedRevision = revision === 0 ? 'no_stream' : revision - 1;
      await store.append('rollout-parent', [{ type: 'Parent', data: { revision } }], {
        expectedRevision,
      });
      // Make sure the writer's appends land between ours, however the CPU is shared.
      if (revision % 100 === 50) await writer.acknowledged(writer.count() + 20);
    }
    const acknowledged = await writer.kill();
    await store.close();

    const events = await readEverything(path);
    const parent = events.filter((event) => event.stream === 'rollout-parent');
    const [first, last] = [parent[0]!.position, parent.at(-1)!.position];
    const interleaved = events.filter((e) => e.stream !== 'rollout-parent' && e.position > first);
    expect(parent.map((event) => event.revision)).toEqual([...Array(300).keys()]);
    expect(interleaved.some((event) => event.position < last)).toBe(true);
    expect(lostAppends(acknowledged, events)).toEqual([]);
    expect(new Set(events.map((event) => event.position)).size).toBe(events.length);
  });
});
