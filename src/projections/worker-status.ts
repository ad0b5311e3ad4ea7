import type { WorkerRecord } from './read-models.ts';

export type WorkerStatus = 'active' | 'idle' | 'stale';

/**
 * A worker is stale once its last sign of life is older than the timeout (strictly, as for
 * attempts); otherwise active while it runs an attempt and idle when it runs none.
 */
export function workerStatus(
  worker: Pick<WorkerRecord, 'running'>,
  lastHeartbeatAt: number,
  now: number,
  timeoutMs: number,
): WorkerStatus {
  if (now - lastHeartbeatAt > timeoutMs) return 'stale';
  return worker.running.size > 0 ? 'active' : 'idle';
}
