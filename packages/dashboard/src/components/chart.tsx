import { formatClock, formatPercent } from '../lib/format';
import type { Async } from '../lib/hooks';
import { FailureRate } from './status';
import { Loading, Notice } from './ui';
import type { EndpointStats } from '../lib/types';

const W = 600;
const H = 150;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

type Bucket = NonNullable<EndpointStats['buckets']>[number];

/** A round axis maximum whose half is a whole number too. */
function niceMax(n: number): number {
  if (n <= 2) return 2;
  const pow = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 4, 6, 10].map((m) => m * pow).find((v) => v >= n && Number.isInteger(v / 2))!;
}

function Axis({
  buckets,
  max,
  format,
}: {
  buckets: Bucket[];
  max: number;
  format(v: number): string;
}) {
  const x = (i: number) => PAD.left + (i / buckets.length) * (W - PAD.left - PAD.right);
  const ticks = [0, max / 2, max];
  return (
    <g className="axis" aria-hidden="true">
      {ticks.map((t) => {
        const y = PAD.top + (1 - t / max) * (H - PAD.top - PAD.bottom);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {format(t)}
            </text>
          </g>
        );
      })}
      {buckets.map((b, i) =>
        (i % 15 === 0 && i < buckets.length - 8) || i === buckets.length - 1 ? (
          <text
            key={b.minute}
            x={i === buckets.length - 1 ? W - PAD.right : x(i)}
            y={H - 6}
            textAnchor={i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle'}
          >
            {formatClock(b.minute)}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Deliveries per minute (succeeded and failed, stacked) over the stats' window. */
export function DeliveriesChart({ buckets }: { buckets: Bucket[] }) {
  const max = niceMax(Math.max(...buckets.map((b) => b.succeeded + b.failed), 0));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / buckets.length;
  const total = buckets.reduce((n, b) => n + b.succeeded + b.failed, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  const y = (v: number) => (v / max) * plotH;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={`Deliveries per minute over the last ${buckets.length} minutes: ${total} attempts, ${failed} failed.`}
    >
      <Axis buckets={buckets} max={max} format={(v) => String(Math.round(v))} />
      {buckets.map((b, i) => {
        const x = PAD.left + i * barW + barW * 0.15;
        const okH = y(b.succeeded);
        const badH = y(b.failed);
        return (
          <g key={b.minute}>
            <title>{`${formatClock(b.minute)}: ${b.succeeded} delivered, ${b.failed} failed`}</title>
            {b.succeeded > 0 && (
              <rect
                className="bar-ok"
                x={x}
                width={barW * 0.7}
                y={PAD.top + plotH - okH}
                height={okH}
              />
            )}
            {b.failed > 0 && (
              <rect
                className="bar-bad"
                x={x}
                width={barW * 0.7}
                y={PAD.top + plotH - okH - badH}
                height={badH}
              />
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** The share of failed attempts in each minute that had any. */
export function FailureRateChart({ buckets }: { buckets: Bucket[] }) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const points = buckets
    .map((b, i) => ({ i, b, total: b.succeeded + b.failed }))
    .filter((p) => p.total > 0)
    .map((p) => ({
      ...p,
      x: PAD.left + ((p.i + 0.5) / buckets.length) * plotW,
      y: PAD.top + (1 - p.b.failed / p.total) * plotH,
      rate: p.b.failed / p.total,
    }));
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={
        points.length === 0
          ? 'Failure rate per minute: no deliveries in this window.'
          : `Failure rate per minute; latest ${formatPercent(points[points.length - 1]!.rate)}.`
      }
    >
      <Axis buckets={buckets} max={1} format={(v) => formatPercent(v)} />
      {points.length > 1 && (
        <polyline className="rate-line" points={points.map((p) => `${p.x},${p.y}`).join(' ')} />
      )}
      {points.map((p) => (
        <circle
          key={p.b.minute}
          className={p.rate === 0 ? 'rate-point ok' : 'rate-point'}
          cx={p.x}
          cy={p.y}
          r={3}
        >
          <title>{`${formatClock(p.b.minute)}: ${formatPercent(p.rate)} of ${p.total} failed`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function StatsTable({ buckets }: { buckets: Bucket[] }) {
  const rows = buckets.filter((b) => b.succeeded + b.failed > 0);
  return (
    <details className="chart-data">
      <summary>Show the numbers</summary>
      {rows.length === 0 ? (
        <p className="muted">No deliveries in this window.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Delivered</th>
              <th scope="col">Failed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.minute}>
                <td>{formatClock(b.minute)}</td>
                <td>{b.succeeded}</td>
                <td>{b.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

/** The card of an endpoint's (or event destination's) last hour: its charts and their table. */
export function LastHour({ stats }: { stats: Async<EndpointStats> }) {
  return (
    <section className="card" aria-labelledby="chart-title">
      <div className="card-header">
        <h2 id="chart-title">Last hour</h2>
        <FailureRate stats={stats.data} />
      </div>
      {stats.data?.buckets ? (
        <div className="charts">
          <figure>
            <figcaption>Deliveries per minute</figcaption>
            <DeliveriesChart buckets={stats.data.buckets} />
          </figure>
          <figure>
            <figcaption>Failure rate</figcaption>
            <FailureRateChart buckets={stats.data.buckets} />
          </figure>
          <StatsTable buckets={stats.data.buckets} />
        </div>
      ) : stats.error ? (
        <Notice tone="error">{stats.error}</Notice>
      ) : (
        <Loading what="delivery stats" />
      )}
    </section>
  );
}
