import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../domain/clock.js';
import type { Dialect } from '../storage/dialect.js';
import { queueStats } from '../storage/repositories/deliveries.js';
import { disabledEndpointCounts } from '../storage/repositories/endpoints.js';
import { PROMETHEUS_CONTENT_TYPE, Registry, type Counter, type Histogram } from './metrics.js';
import { registerProcessMetrics } from './process-metrics.js';

/** What a delivery attempt came to, as counted in `switchboard_delivery_attempts_total`. */
export type AttemptOutcome = 'delivered' | 'retry' | 'exhausted' | 'canceled' | 'deferred';

/** The metrics of one Switchboard process. Documented in docs/metrics.md. */
export interface SwitchboardMetrics {
  registry: Registry;
  attempts: Counter;
  attemptDuration: Histogram;
  eventsCreated: Counter;
  /** Deliveries in flight in this process: set by its workers. */
  inFlight: () => number;
  /** Stops sampling the event loop (when the server closes). */
  stop: () => void;
}

/** Attempt durations in seconds: from a fast local receiver to the 30 s default timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(
  dialect: Dialect,
  clock: Clock,
  inFlight: () => number,
): SwitchboardMetrics {
  const registry = new Registry();
  const attempts = registry.counter(
    'switchboard_delivery_attempts_total',
    'Delivery attempts made by this process, by outcome: delivered (2xx), retry (failed, another attempt scheduled), exhausted (failed, no attempt left), canceled (endpoint disabled or deleted), deferred (listen session away).',
  );
  const attemptDuration = registry.histogram(
    'switchboard_delivery_attempt_duration_seconds',
    'Time from sending a delivery to its answer (or failure), by endpoint kind.',
    DURATION_BUCKETS,
  );
  const eventsCreated = registry.counter(
    'switchboard_events_created_total',
    'Events created by this process, by type.',
  );
  const inFlightGauge = registry.gauge(
    'switchboard_deliveries_in_flight',
    'Deliveries being sent by this process now.',
  );
  const pending = registry.gauge(
    'switchboard_deliveries_pending',
    'Deliveries not yet delivered nor given up on (queue depth, whole database).',
  );
  const due = registry.gauge(
    'switchboard_deliveries_due',
    'Pending deliveries due now that no worker is sending (whole database).',
  );
  const oldestAge = registry.gauge(
    'switchboard_oldest_due_delivery_age_seconds',
    'How long the oldest due delivery that no worker is sending has waited (0 when none).',
  );
  const disabled = registry.gauge(
    'switchboard_endpoints_disabled',
    'Disabled webhook endpoints and event destinations, by reason (failing: disabled automatically).',
  );
  const scrapeErrors = registry.counter(
    'switchboard_metrics_collect_errors_total',
    'Scrapes whose database figures could not be read (database unreachable).',
  );

  registry.collect(async () => {
    inFlightGauge.set({}, inFlight());
    try {
      const now = clock.now();
      const [stats, endpoints] = await Promise.all([
        queueStats(dialect.db, now, Date.now()),
        disabledEndpointCounts(dialect.db),
      ]);
      pending.set({}, stats.pending);
      due.set({}, stats.due);
      oldestAge.set(
        {},
        stats.oldestDueMs === null ? 0 : Math.max(0, now - stats.oldestDueMs) / 1000,
      );
      disabled.reset();
      disabled.set({ reason: 'failing' }, 0);
      for (const e of endpoints) disabled.set({ reason: e.reason }, e.count);
    } catch {
      scrapeErrors.inc();
    }
  });

  const stop = registerProcessMetrics(registry);

  return { registry, attempts, attemptDuration, eventsCreated, inFlight, stop };
}

/** The `GET /metrics` handler; true when it answered. */
export function metricsHandler(
  metrics: SwitchboardMetrics,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  return async (req, res, path) => {
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const body = await metrics.registry.render();
    res.writeHead(200, {
      'Content-Type': PROMETHEUS_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache, no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
