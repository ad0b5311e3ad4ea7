import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/app/clock.ts';
import type { ClaimResult } from '../../src/app/engine-api.ts';
import { rolloutStream } from '../../src/domain/index.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import { expectOk, startTestEngine, type TestEngine } from './harness.ts';

const ROLLOUTS = 12;
const T0 = Date.UTC(2026, 5, 1);

describe('two engine processes on one SQLite file', () => {
  let folder: string;
  const engines: TestEngine[] = [];
  const startOnFile = async () => {
    const clock = createManualClock(T0);
    const t = await startTestEngine({ store: createSqliteStore(join(folder, 'vigil.db')), clock });
    engines.push(t);
    return t;
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-two-engines-'));
  });
  afterEach(async () => {
    for (const t of engines.splice(0)) await t.close().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  });

  it('never start two attempts of one rollout, and each completes what the other started', async () => {
    // 1. A enqueues every rollout (so it holds them all as queued); B starts and claims a few.
    const a = await startOnFile();
    for (let i = 0; i < ROLLOUTS; i++) expectOk(await a.engine.enqueue({ rolloutId: `r${i}` }));
    const b = await startOnFile();
    const claimedBy = new Map<string, { by: TestEngine; claim: ClaimResult; workerId: string }>();
    const claimOn = async (t: TestEngine, workerId: string): Promise<boolean> => {
      const claim = await t.engine.claim(workerId);
      if (!claim) return false;
      expect(claimedBy.has(claim.rolloutId)).toBe(false);
      claimedBy.set(claim.rolloutId, { by: t, claim, workerId });
      return true;
    };
    for (let i = 0; i < 4; i++) expect(await claimOn(b, `b${i}`)).toBe(true);

    // 2. Both claim at once until neither finds work; A's view of B's rollouts is stale.
    for (let round = 0; ; round++) {
      const [fromA, fromB] = await Promise.all([claimOn(a, `a${round}`), claimOn(b, `b${round}`)]);
      if (!fromA && !fromB) break;
    }
    expect(claimedBy.size).toBe(ROLLOUTS);

    // 3. Each attempt is completed through the engine that did not start it.
    for (const { by, claim, workerId } of claimedBy.values()) {
      const other = by === a ? b : a;
      const { rollout } = expectOk(
        await other.engine.complete({ ...claim, workerId, status: 'succeeded' }),
      );
      expect(rollout.status).toBe('succeeded');
    }

    // 4. The streams hold exactly one attempt per rollout, and its success.
    for (let i = 0; i < ROLLOUTS; i++) {
      const types = (await a.store.read(rolloutStream(`r${i}`))).map((e) => e.type);
      expect(types).toEqual([
        'RolloutEnqueued',
        'AttemptStarted',
        'AttemptSucceeded',
        'RolloutSucceeded',
      ]);
    }
  });
});
