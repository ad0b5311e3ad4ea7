import { Writable } from 'node:stream';
import { pino, type Level } from 'pino';
import { describe, expect, it } from 'vitest';
import { logRolloutEvents } from '../../src/app/event-log.ts';
import type { RolloutEvent } from '../../src/domain/index.ts';

function capture(level: Level) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

const events: RolloutEvent[] = [
  {
    type: 'RolloutEnqueued',
    data: { rolloutId: 'r1', input: { secret: 1 }, maxAttempts: 2, at: 5 },
  },
  { type: 'RolloutSucceeded', data: { rolloutId: 'r1', output: { secret: 2 }, at: 9 } },
];

describe('rollout event log', () => {
  it('writes one line per event, without its input or output', async () => {
    const { logger, lines } = capture('info');
    logRolloutEvents(logger, events);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.rolloutId, l.input, l.output])).toEqual([
      ['rollout enqueued', 'r1', undefined, undefined],
      ['rollout succeeded', 'r1', undefined, undefined],
    ]);
  });

  it('writes nothing when the logger is set above info', async () => {
    const { logger, lines } = capture('warn');
    logRolloutEvents(logger, events);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([]);
  });
});
