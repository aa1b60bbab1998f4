// The report: a table for people, then one JSON line (the last line of output) for scripts.

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const TARGETS = {
  ratio: { min: 0.5 },
  p99_ms: { max: 25 },
  api_creates_per_s: { min: 3000 },
  peak_rss_mb: { max: 250 },
  pg_vs_baseline: { min: 1.0 },
};

/** On PostgreSQL the latency target is 50 ms (issue 23); the others are SQLite's. */
const POSTGRES_TARGETS = { ...TARGETS, p99_ms: { max: 50 } };

const round = (n, digits = 0) => Number(n.toFixed(digits));
const int = (n) => Math.round(n).toLocaleString('en-US');

function verdict(targets, key, value) {
  const t = targets[key];
  if (!t) return ['', ''];
  if (t.min !== undefined) return [`>= ${t.min}`, value >= t.min ? 'ok' : 'MISSED'];
  return [`<= ${t.max}`, value <= t.max ? 'ok' : 'MISSED'];
}

/** `server 0.97  receiver 0.41  bench 0.08  other 0.05` (cores). */
function cores(cpu) {
  return ['server', 'baseline', 'postgres', 'receiver', 'bench', 'other']
    .filter((k) => cpu[k] !== undefined)
    .map((k) => `${k} ${cpu[k].toFixed(2)}`)
    .join('  ');
}

/**
 * PostgreSQL's share per operation, by phase: its CPU (its processes, when the bench started the
 * cluster), and with --pg-stats the round trips (statements clients sent), statements (those
 * inside functions too) and commits.
 */
function postgresCosts(r) {
  const lines = [
    'PostgreSQL per operation (its CPU; with --pg-stats round trips, statements, commits):',
  ];
  const phases = [
    ['burst', 'create with an endpoint', r.burstCreates, r.burstCreates.count],
    ...(r.baseline ? [['baseline', 'delivery', r.baseline, r.baseline.deliveries]] : []),
    ['drain', 'delivery', r.drain, r.drain.deliveries],
    ['API creates', 'create without endpoints', r.apiCreates, r.apiCreates.count],
    ['steady', 'create and its delivery', r.steady, r.steady.count],
  ];
  for (const [name, what, p, n] of phases) {
    const cpu =
      p.cpu.postgres === undefined
        ? 'CPU not measured'
        : `${(((p.cpu.postgres * p.cpu.seconds) / n) * 1e6).toFixed(0)} us of CPU`;
    const counts = p.pg
      ? `, ${(p.pg.roundTrips / n).toFixed(2)} round trips, ${(p.pg.statements / n).toFixed(2)} ` +
        `statements, ${(p.pg.commits / n).toFixed(3)} commits`
      : '';
    lines.push(`  ${name.padEnd(12)} a ${what}: ${cpu}${counts}`);
  }
  return lines;
}

export function printReport(r) {
  const peakRss = Math.max(r.apiOnlyServer.peakRssMb, r.fullServer.peakRssMb);
  const summary = {
    raw_ceiling_per_s: round(r.raw.perSecond),
    delivered_per_s: round(r.drain.perSecond),
    ratio: round(r.drain.perSecond / r.raw.perSecond, 3),
    p50_ms: round(r.steady.p50, 2),
    p99_ms: round(r.steady.p99, 2),
    api_creates_per_s: round(r.apiCreates.perSecond),
    peak_rss_mb: round(peakRss, 1),
    steady_rate_per_s: round(r.steady.rate),
    steady_answer_p99_ms: round(r.steady.answerP99, 2),
    steady_event_loop_lag_max_ms:
      r.steady.eventLoopLagMaxMs === null ? null : round(r.steady.eventLoopLagMaxMs, 1),
  };
  if (r.baseline) {
    summary.pg_baseline_delivered_per_s = round(r.baseline.perSecond);
    summary.pg_vs_baseline = round(r.drain.perSecond / r.baseline.perSecond, 3);
  }
  const targets = r.postgres ? POSTGRES_TARGETS : TARGETS;
  const rows = [
    ['raw ceiling (signed POSTs/s)', int(summary.raw_ceiling_per_s), 'raw_ceiling_per_s'],
    [
      `delivered/s (burst of ${int(r.drain.count)})`,
      int(summary.delivered_per_s),
      'delivered_per_s',
    ],
    ['ratio delivered / raw', summary.ratio.toFixed(3), 'ratio'],
    [`latency p50 at ${int(r.steady.rate)}/s (ms)`, summary.p50_ms.toFixed(2), 'p50_ms'],
    [`latency p99 at ${int(r.steady.rate)}/s (ms)`, summary.p99_ms.toFixed(2), 'p99_ms'],
    ['API creates/s', int(summary.api_creates_per_s), 'api_creates_per_s'],
    ['peak RSS of the server (MB)', summary.peak_rss_mb.toFixed(1), 'peak_rss_mb'],
  ];
  if (r.baseline) {
    rows.push(
      ['baseline: graphile-worker delivered/s', int(summary.pg_baseline_delivered_per_s), ''],
      ['delivered / baseline', summary.pg_vs_baseline.toFixed(3), 'pg_vs_baseline'],
    );
  }
  const out = [];
  out.push(
    `Switchboard benchmark: ${r.database ?? 'SQLite'}, ${r.machine.cpus} CPUs (${r.machine.cpu}), Node ${r.machine.node}`,
  );
  out.push('');
  out.push(`${'metric'.padEnd(36)} ${'value'.padStart(10)}  ${'target'.padEnd(8)} result`);
  for (const [label, value, key] of rows) {
    const [target, ok] = verdict(targets, key, summary[key]);
    out.push(`${label.padEnd(36)} ${value.padStart(10)}  ${target.padEnd(8)} ${ok}`);
  }
  out.push('');
  out.push('details:');
  out.push(
    `  burst: ${int(r.burstCreates.count)} creates in ${r.burstCreates.seconds.toFixed(1)} s ` +
      `(${int(r.burstCreates.perSecond)}/s, endpoint subscribed, worker off)`,
  );
  out.push(
    `  raw ceiling: ${int(r.raw.count)} POSTs in ${r.raw.seconds.toFixed(1)} s, ${r.raw.bodyBytes} B bodies, every signature verified`,
  );
  out.push(
    `  drain: ${int(r.drain.count)} events, first to last delivery ${r.drain.firstToLastSeconds.toFixed(2)} s ` +
      `(${r.drain.fromStartSeconds.toFixed(2)} s from server spawn), ${r.drain.bodyBytes} B bodies, ` +
      `${r.drain.duplicates} duplicates, every signature verified`,
    (r.drain.warmup.count > 0
      ? `  drain warm-up (a new server process): ${int(r.drain.warmup.count)} deliveries ahead of the ` +
        `burst, not counted, first to last in ${r.drain.warmup.seconds.toFixed(2)} s ` +
        `(${int(r.drain.warmup.count / r.drain.warmup.seconds)}/s); then the burst: `
      : `  drain from a cold start (a new server process, no warm-up): `) +
      `${r.drain.firstQuarters.map(int).join(', ')} deliveries in each of its first 250 ms; ` +
      (r.drain.afterFirstSecondPerSecond === null
        ? 'it took under 2 s'
        : `${int(r.drain.afterFirstSecondPerSecond)}/s after its first second`),
  );
  if (r.baseline) {
    const b = r.baseline;
    out.push(
      `  baseline (graphile-worker, ${int(r.baselineQueued.perSecond)} jobs/s queued by addJobs): ` +
        `${int(b.count)} jobs, first to last delivery ${b.firstToLastSeconds.toFixed(2)} s, ` +
        `${b.bodyBytes} B bodies, ${b.duplicates} duplicates, every signature verified; ` +
        `warm-up ${int(b.warmup.count)} at ${int(b.warmup.count / b.warmup.seconds)}/s, then ` +
        `${b.firstQuarters.map(int).join(', ')} in each of the burst's first 250 ms`,
    );
  }
  out.push(
    `  steady: ${int(r.steady.rate)} creates/s ` +
      `(${r.steady.auto ? 'half the API creates/s above' : 'fixed by --steady-rate'}) for ` +
      `${r.plan.steadySeconds} s: ${int(r.steady.count)} events, p90 ${r.steady.p90.toFixed(2)} ms, max ${r.steady.max.toFixed(2)} ms, ` +
      `client lag max ${r.steady.maxClientLagMs.toFixed(1)} ms, ${r.steady.duplicates} duplicates`,
    `  steady, where the time went: the API answered in p50 ${r.steady.answerP50.toFixed(2)} ms, ` +
      `p99 ${r.steady.answerP99.toFixed(2)} ms (from when each create was due); the server's ` +
      `event loop ran at most ${r.steady.eventLoopLagMaxMs === null ? '(not read)' : `${r.steady.eventLoopLagMaxMs.toFixed(1)} ms`} late`,
  );
  out.push(
    `  API creates: ${int(r.apiCreates.count)} in ${r.apiCreates.seconds.toFixed(1)} s (sandbox, no endpoints)`,
  );
  out.push(
    `  peak RSS: ${r.apiOnlyServer.peakRssMb.toFixed(1)} MB (API-only server, burst), ` +
      `${r.fullServer.peakRssMb.toFixed(1)} MB (full server); largest sampled RSS by phase: ` +
      `burst ${r.burstCreates.rssMb.toFixed(0)}, drain ${r.drain.rssMb.toFixed(0)}, ` +
      `steady ${r.steady.rssMb.toFixed(0)}, API creates ${r.apiCreates.rssMb.toFixed(0)} MB`,
  );
  out.push(
    `  steady warm-up (not counted: the first creates with a delivery in this server process, at the ` +
      `same rate): ${int(r.steady.warmup.count)} events, p99 ${r.steady.warmup.p99.toFixed(2)} ms, ` +
      `max ${r.steady.warmup.max.toFixed(2)} ms`,
  );
  out.push(`  clock offset receiver - bench: ${r.clockOffsetMs.toFixed(3)} ms (subtracted)`);
  out.push('');
  out.push('CPU used (cores; "other" is everything else on the machine meanwhile):');
  const phases = [
    ['burst', r.burstCreates.cpu],
    ['raw ceiling', r.raw.cpu],
    ...(r.baseline ? [['baseline', r.baseline.cpu]] : []),
    ['drain', r.drain.cpu],
    ['API creates', r.apiCreates.cpu],
    ['steady', r.steady.cpu],
  ];
  for (const [name, cpu] of phases) out.push(`  ${name.padEnd(12)} ${cores(cpu)}`);
  const perEvent = (p) => ((p.cpu.server * p.cpu.seconds) / (p.deliveries ?? p.count)) * 1e6;
  out.push(
    `  server CPU per event: ${perEvent(r.burstCreates).toFixed(0)} us a create with an endpoint ` +
      `(worker off), ${perEvent(r.drain).toFixed(0)} us a delivery (drain), ` +
      `${perEvent(r.apiCreates).toFixed(0)} us a create without endpoints; ` +
      `${perEvent(r.steady).toFixed(0)} us a steady event (a create and its delivery, one at a ` +
      `time), against ${(perEvent(r.burstCreates) + perEvent(r.drain)).toFixed(0)} us for the two in batches`,
  );
  if (r.postgres) out.push(...postgresCosts(r));
  const busy = phases.filter(([, cpu]) => cpu.other > 0.15).map(([name]) => name);
  if (busy.length > 0) {
    out.push(`  warning: other processes used more than 0.15 of a core during: ${busy.join(', ')}`);
  }
  out.push('');
  out.push(JSON.stringify(summary));
  process.stdout.write(out.join('\n') + '\n');
}
