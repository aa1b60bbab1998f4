import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from './metrics.js';

/** The event loop is sampled this often (ms): a timer that fires late measures the lag. */
const DELAY_RESOLUTION_MS = 20;

/** Open file descriptors and their limit, where /proc tells them (Linux); null elsewhere. */
function fileDescriptors(): { open: number; max: number | null } | null {
  try {
    // The listing opens a descriptor of its own, which is not counted.
    const open = readdirSync('/proc/self/fd').length - 1;
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return { open, max: limit ? Number(limit[1]) : null };
  } catch {
    return null;
  }
}

/**
 * The process figures every Prometheus client library exports, under the same names (as
 * prom-client's defaults), so existing dashboards and alerts apply: CPU, memory, file descriptors,
 * and how late the event loop ran. CPU and resident memory cover the whole process (its threads
 * included); the heap figures are the main thread's. Returns a stop function for the event-loop
 * sampler.
 */
export function registerProcessMetrics(registry: Registry): () => void {
  const cpuUser = registry.counter(
    'process_cpu_user_seconds_total',
    'User CPU time spent by the process, in seconds.',
  );
  const cpuSystem = registry.counter(
    'process_cpu_system_seconds_total',
    'System CPU time spent by the process, in seconds.',
  );
  const cpuTotal = registry.counter(
    'process_cpu_seconds_total',
    'User and system CPU time spent by the process, in seconds.',
  );
  const startTime = registry.gauge(
    'process_start_time_seconds',
    'When the process started, in seconds since the Unix epoch.',
  );
  const resident = registry.gauge(
    'process_resident_memory_bytes',
    'Resident memory of the process, in bytes.',
  );
  const openFds = registry.gauge('process_open_fds', 'Open file descriptors.');
  const maxFds = registry.gauge(
    'process_max_fds',
    'The most file descriptors the process may open.',
  );
  const heapUsed = registry.gauge(
    'nodejs_heap_size_used_bytes',
    "The main thread's JavaScript heap in use, in bytes.",
  );
  const heapTotal = registry.gauge(
    'nodejs_heap_size_total_bytes',
    "The main thread's JavaScript heap, in bytes.",
  );
  const external = registry.gauge(
    'nodejs_external_memory_bytes',
    'Memory held by the main thread outside its JavaScript heap (buffers), in bytes.',
  );
  const lagMean = registry.gauge(
    'nodejs_eventloop_lag_mean_seconds',
    'How late the event loop ran, on average, since the previous scrape.',
  );
  const lagP99 = registry.gauge(
    'nodejs_eventloop_lag_p99_seconds',
    'How late the event loop ran, 99th percentile, since the previous scrape.',
  );
  const lagMax = registry.gauge(
    'nodejs_eventloop_lag_max_seconds',
    'How late the event loop ran at most since the previous scrape.',
  );

  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  startTime.set({}, Math.round(Date.now() / 1000 - process.uptime()));

  registry.collect(async () => {
    const cpu = process.cpuUsage();
    cpuUser.sync({}, cpu.user / 1e6);
    cpuSystem.sync({}, cpu.system / 1e6);
    cpuTotal.sync({}, (cpu.user + cpu.system) / 1e6);
    const memory = process.memoryUsage();
    resident.set({}, memory.rss);
    heapUsed.set({}, memory.heapUsed);
    heapTotal.set({}, memory.heapTotal);
    external.set({}, memory.external);
    const fds = fileDescriptors();
    if (fds) {
      openFds.set({}, fds.open);
      if (fds.max !== null) maxFds.set({}, fds.max);
    }
    // The histogram holds the intervals between samples (ns): what goes beyond the sampling
    // interval is how late the loop ran. None since the last scrape (the first interval after a
    // reset is not counted): 0.
    const seconds = (ns: number) =>
      delay.count > 0 && Number.isFinite(ns)
        ? Math.max(0, Math.round(ns) - DELAY_RESOLUTION_MS * 1e6) / 1e9
        : 0;
    lagMean.set({}, seconds(delay.mean));
    lagP99.set({}, seconds(delay.percentile(99)));
    lagMax.set({}, seconds(delay.max));
    delay.reset();
  });

  return () => delay.disable();
}
