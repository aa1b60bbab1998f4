import { formatPercent } from '../lib/format';
import type { DeliveryStatus, EndpointStats } from '../lib/types';
import { Badge } from './ui';

export function DeliveryBadge({ status }: { status: DeliveryStatus | string | undefined }) {
  switch (status) {
    case 'delivered':
    case 'succeeded':
      return <Badge tone="good">Delivered</Badge>;
    case 'failed':
      return <Badge tone="bad">Failed</Badge>;
    case 'pending':
      return <Badge tone="warn">Pending</Badge>;
    case 'retrying':
      // The same word on the events list and on the event's page: it will be tried again.
      return <Badge tone="bad">Retrying</Badge>;
    case 'none':
      return <Badge tone="neutral">No endpoints</Badge>;
    default:
      return <Badge tone="neutral">{status ?? '—'}</Badge>;
  }
}

export function EndpointStatusBadge({ status }: { status: string }) {
  return status === 'enabled' ? (
    <Badge tone="good">Enabled</Badge>
  ) : (
    <Badge tone="neutral">Disabled</Badge>
  );
}

export function HttpStatus({ code, error }: { code: number | null; error?: string | null }) {
  if (code === null)
    return (
      <Badge tone="bad">
        <span title={error ?? undefined}>No response</span>
      </Badge>
    );
  return <Badge tone={code >= 200 && code < 300 ? 'good' : 'bad'}>{code}</Badge>;
}

/** "3 of 40 failed (7.5%)" over the window, or that nothing was sent. */
export function FailureRate({ stats }: { stats: EndpointStats | undefined }) {
  if (!stats) return <span className="muted">—</span>;
  if (stats.attempts === 0) return <span className="muted">No deliveries</span>;
  const tone = stats.failed === 0 ? 'good' : stats.failure_rate! >= 0.5 ? 'bad' : 'warn';
  return (
    <span className={`rate rate-${tone}`}>
      {formatPercent(stats.failure_rate)} failed{' '}
      <span className="muted">
        ({stats.failed} of {stats.attempts})
      </span>
    </span>
  );
}
