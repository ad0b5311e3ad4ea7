import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { startProjectionRunner, type PositionedEvent } from '../../src/projections/index.ts';

const enqueued = (position: number, rolloutId: string): PositionedEvent => ({
  position,
  type: 'RolloutEnqueued',
  data: { rolloutId, input: { n: position }, maxAttempts: 1, at: 1_000 },
});

function start() {
  const feed = new Subject<PositionedEvent>();
  const rejected: { position: number; reason: string }[] = [];
  const runner = startProjectionRunner(feed, ({ position }, reason) =>
    rejected.push({ position, reason }),
  );
  const projected: PositionedEvent[] = [];
  runner.projected$.subscribe((event) => projected.push(event));
  return { feed, runner, rejected, projected };
}

describe('projection runner', () => {
  it('folds an event that passes its schema and hands it on as it was stored', () => {
    const { feed, runner, projected } = start();
    const event = enqueued(0, 'r1');
    feed.next(event);
    expect(runner.models.rollouts.get('r1')?.status).toBe('queuing');
    expect(projected).toEqual([event]);
    expect(runner.position()).toBe(0);
  });

  it("skips and reports an event whose data fails its own type's schema", () => {
    const { feed, runner, rejected, projected } = start();
    feed.next({ ...enqueued(0, 'r1'), data: { rolloutId: 'r1', maxAttempts: 0, at: 1_000 } });
    feed.next({
      ...enqueued(1, 'r2'),
      data: { rolloutId: 'r2', input: 1, maxAttempts: 1, at: 1, x: 1 },
    });
    feed.next({ position: 2, type: 'Ticked', data: { rolloutId: 'r3', at: 5 } });
    expect(rejected.map((r) => r.position)).toEqual([0, 1, 2]);
    expect(rejected[0]?.reason).toMatch(/maxAttempts|input/);
    expect(runner.rejectedCount()).toBe(3);
    expect(runner.models.rollouts.size).toBe(0);
    expect(projected).toEqual([]);
    expect(runner.position()).toBe(2);
  });

  it('skips an event of a type that is not Vigil’s', () => {
    const { feed, runner, rejected } = start();
    feed.next({ position: 4, type: 'SomethingElse', data: { rolloutId: 'r1' } });
    expect(rejected.map((r) => r.position)).toEqual([4]);
    expect(runner.position()).toBe(4);
  });

  it('resolves each waiter once its position is folded in, whatever order they wait in', async () => {
    const { feed, runner } = start();
    const resolved: number[] = [];
    const waits = [5, 2, 9].map((p) => runner.waitFor(p).then(() => resolved.push(p)));
    for (let position = 0; position <= 5; position++) feed.next(enqueued(position, `r${position}`));
    await Promise.resolve();
    expect(resolved.sort()).toEqual([2, 5]);
    feed.next(enqueued(9, 'r9'));
    await Promise.all(waits);
    expect(resolved).toEqual([2, 5, 9]);
  });

  it('rejects the waiters still waiting when the subscription ends', async () => {
    const { feed, runner } = start();
    const waiting = runner.waitFor(3);
    feed.complete();
    await expect(waiting).rejects.toThrow('the store subscription ended');
  });
});
