/** Renders rows under a header as columns aligned with two spaces between them. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** "just now", "12s ago", "3m ago", "2h ago", "4d ago" (or "in 5s" for a time ahead of `now`). */
export function formatRelativeTime(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;

  const elapsed = now - at;
  const seconds = Math.round(Math.abs(elapsed) / 1000);
  if (seconds < 1) return 'just now';

  const amount =
    seconds < 60
      ? `${seconds}s`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)}m`
        : seconds < 86_400
          ? `${Math.floor(seconds / 3600)}h`
          : `${Math.floor(seconds / 86_400)}d`;
  return elapsed >= 0 ? `${amount} ago` : `in ${amount}`;
}
