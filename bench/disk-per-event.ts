import { statSync } from 'node:fs';
import type { FigureResult } from './report.ts';

/** Size of a closed (checkpointed) SQLite store file per event it holds, index included. */
export function measureDiskPerEvent(path: string, events: number): FigureResult {
  const bytes = statSync(path).size;
  return {
    id: 'disk-per-event',
    figure: 'bytes on disk per stored event (SQLite)',
    value: bytes / events,
    unit: 'bytes',
    goal: 'reported',
    met: null,
    details: { fileMiB: bytes / 1_024 / 1_024, events },
  };
}
