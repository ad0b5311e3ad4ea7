import { writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';

/** A figure measured against another figure of the same run, because absolute times drift. */
export interface Baseline {
  label: string;
  value: number;
  unit: string;
}

/** One row of the benchmark table. */
export interface FigureResult {
  id: string;
  figure: string;
  value: number;
  unit: string;
  /** Printed after the value, e.g. the latencies that go with a throughput. */
  note?: string;
  baseline?: Baseline;
  /** value / baseline.value, when the figure is measured against a baseline. */
  ratio?: number;
  goal: string;
  /** Whether the goal is met; null for a figure that is only reported. */
  met: boolean | null;
  /** Secondary numbers (latencies, counts, settings) that explain the figure. */
  details: Record<string, number | string>;
}

/** What a benchmark run knows about the machine it ran on. */
export interface RunInfo {
  startedAt: string;
  durationS: number;
  /** One line: cores, CPU model, memory, OS, Node. */
  machine: string;
  node: string;
  cpus: number;
}

/** The machine and the duration of a run that started at `started` (a `performance.now()`). */
export function describeRun(started: number): RunInfo {
  const durationS = (performance.now() - started) / 1000;
  const cores = cpus();
  const memoryGiB = Math.round(totalmem() / 1_024 ** 3);
  return {
    startedAt: new Date(Date.now() - durationS * 1000).toISOString(),
    durationS,
    machine:
      `${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown CPU'}), ${memoryGiB} GiB, ` +
      `${platform()} ${release()}, Node ${process.versions.node}`,
    node: process.versions.node,
    cpus: cores.length,
  };
}

/** A figure measured against a baseline: the ratio is computed, `met` judged from it. */
export function withRatio(
  row: Omit<FigureResult, 'ratio' | 'met'> & { baseline: Baseline },
  met: (ratio: number) => boolean,
): FigureResult {
  const ratio = row.value / row.baseline.value;
  return { ...row, ratio, met: met(ratio) };
}

/** A number with a few significant digits and thousands separators, for the table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits =
    Number.isInteger(value) || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

const metMark = (met: boolean | null): string => (met === null ? '—' : met ? 'yes' : 'NO');

function detailText(details: FigureResult['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : value}`)
    .join(', ');
}

function padTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows
    .map(
      (row) => `| ${row.map((cell, column) => cell.padEnd(widths?.[column] ?? 0)).join(' | ')} |`,
    )
    .join('\n');
}

/** The results as a markdown table (one row per figure), followed by each figure's details. */
export function formatTable(results: readonly FigureResult[]): string {
  const header = ['figure', 'measured', 'against (same run)', 'ratio', 'goal', 'met'];
  const rows = results.map((result) => [
    result.figure,
    `${formatNumber(result.value)} ${result.unit}${result.note ? ` (${result.note})` : ''}`,
    result.baseline
      ? `${result.baseline.label}: ${formatNumber(result.baseline.value)} ${result.baseline.unit}`
      : '—',
    result.ratio === undefined ? '—' : result.ratio.toFixed(2),
    result.goal,
    metMark(result.met),
  ]);
  const separator = header.map(() => '---');
  const details = results.map((result) => `- ${result.id}: ${detailText(result.details)}`);
  return [padTable([header, separator, ...rows]), '', ...details].join('\n');
}

/** Writes the same figures the table shows, with the machine they came from. */
export function writeJsonReport(file: string, info: RunInfo, results: readonly FigureResult[]) {
  writeFileSync(file, `${JSON.stringify({ run: info, figures: results }, null, 2)}\n`);
}
