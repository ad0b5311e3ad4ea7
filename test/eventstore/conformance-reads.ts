import { expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/port.ts';
import { numbered, type ConformanceContext } from './conformance.ts';

const revisions = (events: StoredEvent[]): number[] => events.map((event) => event.revision);

/** Tests of `read`, `readAll`, payload fidelity and stream limits. */
export function describeReadConformance(context: ConformanceContext): void {
  const { store, streamName } = context;

  it('reads a stream that does not exist as empty, in both directions', async () => {
    const stream = streamName('never-written');

    await expect(store().read(stream)).resolves.toEqual([]);
    await expect(store().read(stream, { direction: 'backwards' })).resolves.toEqual([]);
  });

  it('reads forwards from a revision, at most maxCount events', async () => {
    const stream = streamName('rollout');
    await store().append(stream, numbered(10), { expectedRevision: 'no_stream' });

    expect(revisions(await store().read(stream, { fromRevision: 4 }))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(revisions(await store().read(stream, { fromRevision: 4, maxCount: 3 }))).toEqual([
      4, 5, 6,
    ]);
    expect(revisions(await store().read(stream, { maxCount: 2 }))).toEqual([0, 1]);
    await expect(store().read(stream, { fromRevision: 10 })).resolves.toEqual([]);
  });

  it('reads backwards from the last event or from a given revision', async () => {
    const stream = streamName('rollout');
    await store().append(stream, numbered(6), { expectedRevision: 'no_stream' });

    const backwards = (options: { fromRevision?: number; maxCount?: number }) =>
      store()
        .read(stream, { direction: 'backwards', ...options })
        .then(revisions);
    await expect(backwards({})).resolves.toEqual([5, 4, 3, 2, 1, 0]);
    await expect(backwards({ maxCount: 1 })).resolves.toEqual([5]);
    await expect(backwards({ fromRevision: 3 })).resolves.toEqual([3, 2, 1, 0]);
    await expect(backwards({ fromRevision: 3, maxCount: 2 })).resolves.toEqual([3, 2]);
  });

  it('reads the global log in position order across streams, page by page', async () => {
    const head = await store().headPosition();
    const [a, b] = [streamName('a'), streamName('b')];
    await store().append(a, numbered(2, 'A1'), { expectedRevision: 'any' });
    await store().append(b, numbered(1, 'B1'), { expectedRevision: 'any' });
    await store().append(a, numbered(1, 'A2'), { expectedRevision: 'any' });
    await store().append(b, numbered(2, 'B2'), { expectedRevision: 'any' });

    const ours = (events: StoredEvent[]) => events.filter((e) => e.stream === a || e.stream === b);
    const all = ours(await store().readAll({ after: head }));
    expect(all.map((event) => `${event.stream === a ? 'a' : 'b'}:${event.type}`)).toEqual([
      'a:A1',
      'a:A1',
      'b:B1',
      'a:A2',
      'b:B2',
      'b:B2',
    ]);
    expect(all.every((event, i) => i === 0 || event.position > all[i - 1]!.position)).toBe(true);

    const paged: StoredEvent[] = [];
    let after = head;
    for (;;) {
      const page = await store().readAll({ after, maxCount: 2 });
      expect(page.length).toBeLessThanOrEqual(2);
      if (page.length === 0) break;
      paged.push(...ours(page));
      after = page.at(-1)!.position;
    }
    expect(paged).toEqual(all);
  });

  it('reads nothing after the head position', async () => {
    await store().append(streamName('a'), numbered(3), { expectedRevision: 'any' });

    const head = await store().headPosition();

    await expect(store().readAll({ after: head })).resolves.toEqual([]);
  });

  it('keeps a 1 MiB payload intact', async () => {
    const stream = streamName('large');
    const blob = 'x'.repeat(1024 * 1024 - 10) + 'é🚀end';

    await store().append(stream, [{ type: 'Large', data: { blob } }], { expectedRevision: 'any' });

    const [event] = await store().read(stream);
    expect((event!.data as { blob: string }).blob).toBe(blob);
  });

  it('keeps emoji, right-to-left text, NUL and escape characters intact everywhere', async () => {
    const stream = streamName('rollout-ünïcødé-🚀');
    const text = 'emoji 🚀👩‍💻🏳️‍🌈 · RTL مرحبا بالعالم שלום · NUL [\u0000] · "quote" \\ \n\t end';
    const data = { text, [text]: [text, { deep: text }] };

    await store().append(stream, [{ type: 'Text🚀', data, metadata: { note: text } }], {
      expectedRevision: 'no_stream',
    });

    const [event] = await store().read(stream);
    expect(event).toMatchObject({ stream, type: 'Text🚀', data, metadata: { note: text } });
    const head = await store().headPosition();
    const fromLog = await store().readAll({ after: head - 1 });
    expect(fromLog.find((e) => e.stream === stream)?.data).toEqual(data);
  });

  it('keeps only the newest maxCount events of a limited stream while revisions keep counting', async () => {
    const stream = streamName('worker');
    await store().append(stream, numbered(5), { expectedRevision: 'no_stream' });

    await store().setStreamMaxCount(stream, 3);
    const afterLimit = await store().read(stream);
    await store().append(stream, numbered(2, 'Later'), { expectedRevision: 4 });
    const afterMore = await store().read(stream);

    expect(revisions(afterLimit)).toEqual([2, 3, 4]);
    expect(revisions(afterMore)).toEqual([4, 5, 6]);
    expect(revisions(await store().read(stream, { direction: 'backwards' }))).toEqual([6, 5, 4]);
    await expect(store().append(stream, numbered(1), { expectedRevision: 6 })).resolves.toEqual(
      expect.objectContaining({ revision: 7 }),
    );
  });

  it('applies a limit set before the stream exists to its first appends', async () => {
    const stream = streamName('ticks');

    await store().setStreamMaxCount(stream, 2);
    await store().append(stream, numbered(4), { expectedRevision: 'no_stream' });

    expect(revisions(await store().read(stream))).toEqual([2, 3]);
  });
}
