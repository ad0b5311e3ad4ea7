import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../engine-api.ts';

/** The commands whose latency `/metrics` reports. */
export type CommandName = 'enqueue' | 'claim' | 'heartbeat' | 'complete' | 'advance_clock';

/** How a command ended: done, refused by the state (a 4xx), or failed (a 5xx). */
export type CommandOutcome = 'ok' | 'rejected' | 'error';

export interface ServerMetrics {
  readonly registry: Registry;
  observeCommand(command: CommandName, outcome: CommandOutcome, seconds: number): void;
  /** Stops counting the engine's events. */
  dispose(): void;
}

/** Counters fed by the events the engine projects, one per event type an operator watches. */
const eventCounters = {
  RolloutEnqueued: ['vigil_rollouts_enqueued_total', 'Rollouts enqueued'],
  AttemptStarted: ['vigil_attempts_started_total', 'Attempts started'],
  AttemptSucceeded: ['vigil_attempts_succeeded_total', 'Attempts that succeeded'],
  AttemptFailed: ['vigil_attempts_failed_total', 'Attempts that failed'],
  AttemptTimedOut: ['vigil_attempts_timed_out_total', 'Attempts timed out for heartbeat silence'],
  RolloutRequeued: ['vigil_rollouts_requeued_total', 'Rollouts requeued after an attempt ended'],
  RolloutSucceeded: ['vigil_rollouts_succeeded_total', 'Rollouts that succeeded'],
  RolloutFailed: ['vigil_rollouts_failed_total', 'Rollouts failed with their attempts spent'],
} as const;

function isCountedEvent(type: string): type is keyof typeof eventCounters {
  return Object.hasOwn(eventCounters, type);
}

/** A counter that follows a running total kept elsewhere, read at scrape time. */
function followingCounter(registry: Registry, name: string, help: string, total: () => number) {
  let seen = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = total();
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}

/**
 * Prometheus metrics for one server: event counters (counted from `engine.projected$` since
 * the server started), heartbeat counters, projection lag and command latency.
 */
export function createServerMetrics(engine: Engine): ServerMetrics {
  const registry = new Registry();

  const counters = Object.fromEntries(
    Object.entries(eventCounters).map(([type, [name, help]]) => [
      type,
      new Counter({ name, help, registers: [registry] }),
    ]),
  );
  const subscription = engine.projected$.subscribe((event) => {
    if (isCountedEvent(event.type)) counters[event.type]?.inc();
  });

  followingCounter(
    registry,
    'vigil_heartbeats_received_total',
    'Heartbeats received from workers',
    () => engine.stats().heartbeatsReceived,
  );
  followingCounter(
    registry,
    'vigil_heartbeats_appended_total',
    'Heartbeats written to the store (the rest were throttled)',
    () => engine.stats().heartbeatsAppended,
  );

  new Gauge({
    name: 'vigil_projection_position',
    help: 'Global position the read models have reached',
    registers: [registry],
    collect() {
      this.set(engine.projectionPosition());
    },
  });
  new Gauge({
    name: 'vigil_projection_lag_events',
    help: "Events in the store the read models do not include yet (NaN when the store can't say)",
    registers: [registry],
    async collect() {
      const head = await engine.store.headPosition().catch(() => Number.NaN);
      this.set(Math.max(0, head - engine.projectionPosition()));
    },
  });

  const latency = new Histogram({
    name: 'vigil_command_duration_seconds',
    help: 'Time from receiving a command to answering it',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  return {
    registry,
    observeCommand(command, outcome, seconds) {
      latency.observe({ command, outcome }, seconds);
    },
    dispose() {
      subscription.unsubscribe();
    },
  };
}
