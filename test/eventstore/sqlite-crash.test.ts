import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';

const WRITER = join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts');

interface Acknowledged {
  position: number;
  batch: number;
  size: number;
}

/** Runs the writer until it has acknowledged `count` appends, kills it with SIGKILL, and
 * returns every acknowledgement it printed before it died. */
function killWriterMidLoad(path: string, sync: string, count: number): Promise<Acknowledged[]> {
  return new Promise((resolve, reject) => {
    const writer = spawn(process.execPath, ['--import', 'tsx', WRITER, path, sync], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: Acknowledged[] = [];
    let pending = '';
    let stderr = '';
    writer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    writer.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [position, batch, size] = line.split(' ').map(Number);
        acknowledged.push({ position: position!, batch: batch!, size: size! });
      }
      if (acknowledged.length >= count && writer.exitCode === null) writer.kill('SIGKILL');
    });
    writer.on('error', reject);
    writer.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited early (code ${code}): ${stderr}`));
    });
  });
}

describe('sqlite store when its process is killed', () => {
  let folder: string | undefined;

  afterEach(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it.each(['normal', 'full'])(
    'keeps every acknowledged append after kill -9 (sync=%s), and no partial batch',
    async (sync) => {
      folder = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
      const path = join(folder, 'vigil.db');

      const acknowledged = await killWriterMidLoad(path, sync, 1_500);

      const store = createSqliteStore(path);
      const events = await store.readAll();
      await store.close();
      const byPosition = new Map(events.map((event) => [event.position, event]));
      const missing = acknowledged.filter(({ position, batch, size }) => {
        const data = byPosition.get(position)?.data;
        return JSON.stringify(data) !== JSON.stringify({ batch, part: size - 1, size });
      });
      const batchSizes = new Map<number, number>();
      for (const { data } of events) {
        const { batch } = data as { batch: number };
        batchSizes.set(batch, (batchSizes.get(batch) ?? 0) + 1);
      }
      const partial = [...batchSizes].filter(([batch, seen]) => seen !== (batch % 3) + 1);

      expect(acknowledged.length).toBeGreaterThanOrEqual(1_500);
      expect(missing).toEqual([]);
      expect(partial).toEqual([]);
      expect(batchSizes.size).toBeGreaterThanOrEqual(acknowledged.length);
    },
  );
});
