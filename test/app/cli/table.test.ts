import { describe, expect, it } from 'vitest';
import { formatRelativeTime, renderTable } from '../../../src/app/cli/table.ts';

describe('renderTable', () => {
  it('aligns each column to its widest cell, two spaces apart, without trailing spaces', () => {
    expect(
      renderTable(
        ['ID', 'STATUS'],
        [
          ['a-long-id', 'ok'],
          ['b', 'running'],
        ],
      ),
    ).toBe('ID         STATUS\na-long-id  ok\nb          running\n');
  });
});

describe('formatRelativeTime', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  const ago = (ms: number) => formatRelativeTime(new Date(now - ms).toISOString(), now);

  it.each([
    [400, 'just now'],
    [12_000, '12s ago'],
    [59_000, '59s ago'],
    [60_000, '1m ago'],
    [3_599_000, '59m ago'],
    [7_200_000, '2h ago'],
    [3 * 86_400_000, '3d ago'],
    [-5000, 'in 5s'],
  ])('shows %i ms ago as "%s"', (ms, text) => {
    expect(ago(ms)).toBe(text);
  });

  it('shows a missing time as "-"', () => {
    expect(formatRelativeTime(undefined, now)).toBe('-');
  });
});
