import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../src/app/engine-api.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import {
  errorOf,
  startTestServer,
  type HttpAnswer,
  type TestServer,
} from '../app/http/server-harness.ts';

/**
 * The store's wait for a busy file, shortened from the 5 s default so each refused append takes
 * a tenth of a second. (While it waits, better-sqlite3 blocks the event loop: see the README.)
 */
const BUSY_TIMEOUT_MS = 100;

/** Whether this machine lets the test mount a small tmpfs to fill up (Linux, as root). */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'vigil-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe('when the SQLite store fails its appends', () => {
  let folder: string;
  let server: TestServer;
  let claim: ClaimResult;
  let release: (() => void) | undefined;

  async function startOn(file: string): Promise<void> {
    server = await startTestServer({}, createSqliteStore(file, { busyTimeoutMs: BUSY_TIMEOUT_MS }));
    await server.post('/rollouts', { rolloutId: 'r1' });
    await server.post('/rollouts', { rolloutId: 'r2' });
    claim = await server.claim('w1');
  }

  /** Holds the write lock from another connection, as a backup tool or a second writer would. */
  function lockFile(file: string): void {
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    release = () => {
      other.exec('ROLLBACK');
      other.close();
      release = undefined;
    };
  }

  const completePath = () => `/rollouts/r1/attempts/${claim.attemptId}/complete`;
  const commands = (): [string, () => Promise<HttpAnswer>][] => [
    ['enqueue', () => server.post('/rollouts', { rolloutId: 'r3' })],
    ['claim', () => server.post('/workers/w2/claim')],
    ['heartbeat', () => server.post('/workers/w1/heartbeat', { activeAttempts: [refOf(claim)] })],
    ['complete', () => server.post(completePath(), { workerId: 'w1', status: 'succeeded' })],
    ['advance', () => server.post('/clock/advance', { ms: 1000 })],
  ];
  const refOf = ({ rolloutId, attemptId }: ClaimResult) => ({ rolloutId, attemptId });

  /** What an operator reads: it must not change, nor fail, while appends fail. */
  const reads = async () =>
    Promise.all(
      ['/rollouts/r1', '/rollouts', '/attempts', '/workers', '/workers/w1', '/health'].map(
        async (path) => {
          const answer = await server.get(path);
          return { path, status: answer.status, body: answer.body };
        },
      ),
    );

  async function expectRefusedAndReadable(): Promise<void> {
    const before = await reads();
    const position = await server.engine.store.headPosition();
    for (const [name, send] of commands()) {
      const answer = await send();
      expect(answer.status, name).toBe(503);
      expect(errorOf(answer).code, name).toBe('store_unavailable');
    }
    expect(await server.engine.store.headPosition()).toBe(position);
    expect(await reads()).toEqual(before);
  }

  async function expectRecovered(): Promise<void> {
    const statuses = [];
    for (const [name, send] of commands()) statuses.push([name, (await send()).status]);
    expect(statuses).toEqual([
      ['enqueue', 201],
      ['claim', 200],
      ['heartbeat', 200],
      ['complete', 200],
      ['advance', 200],
    ]);
  }

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-store-failure-'));
  });
  afterEach(async () => {
    release?.();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  describe('because another connection holds the write lock', () => {
    beforeEach(async () => {
      await startOn(join(folder, 'vigil.db'));
    });

    it('answers every command 503 store_unavailable, appends nothing, and keeps answering reads', async () => {
      lockFile(join(folder, 'vigil.db'));
      await expectRefusedAndReadable();
    });

    it('serves every command again once the lock is released', async () => {
      lockFile(join(folder, 'vigil.db'));
      expect((await server.post('/rollouts', { rolloutId: 'r3' })).status).toBe(503);
      release?.();
      await expectRecovered();
    });

    it('carries out a timeout that fell due during the outage once ticks can be appended again', async () => {
      lockFile(join(folder, 'vigil.db'));
      expect((await server.post('/clock/advance', { ms: 31_000 })).status).toBe(503);
      expect((await server.get('/rollouts/r1')).body).toMatchObject({ status: 'running' });

      release?.();
      await server.advance(1);
      expect((await server.get('/rollouts/r1')).body).toMatchObject({
        status: 'requeuing',
        attempts: [{ attemptId: claim.attemptId, status: 'timeout' }],
      });
    });
  });

  describe.skipIf(!canMountTmpfs())('because the disk is full (a 4 MiB tmpfs, filled)', () => {
    let mountPoint: string;
    let filler: string;
    beforeEach(async () => {
      mountPoint = join(folder, 'disk');
      execFileSync('mkdir', [mountPoint]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
      filler = join(mountPoint, 'filler');
      await startOn(join(mountPoint, 'vigil.db'));
    });
    afterEach(async () => {
      await server.close();
      execFileSync('umount', [mountPoint]);
    });

    const fillDisk = () => {
      const { bavail, bsize } = statfsSync(mountPoint);
      writeFileSync(filler, Buffer.alloc(bavail * bsize));
    };

    it('answers every command 503 store_unavailable, keeps answering reads, and recovers once space is freed', async () => {
      fillDisk();
      await expectRefusedAndReadable();

      rmSync(filler);
      await expectRecovered();
    });
  });
});
