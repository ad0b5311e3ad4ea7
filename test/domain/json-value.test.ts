import { describe, expect, it } from 'vitest';
import { jsonValue } from '../../src/domain/index.ts';

describe('JSON values in events and commands', () => {
  it.each([null, true, 0, -1.5, '', 'ünïcødé 🚀', [], [1, 'a', null], { a: { b: [{}] } }])(
    'accepts %j',
    (value) => {
      expect(jsonValue().safeParse(value).success).toBe(true);
    },
  );

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a function', () => 1],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a bigint', 1n],
    ['a nested undefined', { a: [undefined] }],
  ])('refuses %s', (_name, value) => {
    expect(jsonValue().safeParse(value).success).toBe(false);
  });
});
