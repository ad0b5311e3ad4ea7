import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/app/demo.ts';

describe('npm run demo', () => {
  // The demo runs on the system clock by design (it shows real workers); it takes a few seconds.
  it('times out the stalled attempt, finishes its rollout elsewhere, and lets the slow one succeed', async () => {
    const lines: string[] = [];
    const outcome = await runDemo({ print: (line) => lines.push(line) });

    expect(outcome.problems).toEqual([]);
    expect(outcome.ok).toBe(true);
    const backup = outcome.rollouts.find((rollout) => rollout.rolloutId === 'backup-db');
    expect(backup?.attempts.map((attempt) => attempt.status)).toEqual(['timeout', 'succeeded']);

    const narrative = lines.join('\n');
    expect(narrative).toContain('worker-stalls stale');
    expect(narrative).toContain('timeout (heartbeat)');
    expect(narrative).toContain("worker-stalls's late result for backup-db was refused");
    expect(narrative).toContain('outcome as expected');
  });
});
