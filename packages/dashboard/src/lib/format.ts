import type { AnyEvent } from './types';
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Unix seconds as a local date and time. */
export const formatDateTime = (unix: number): string => dateTime.format(new Date(unix * 1000));
export const formatClock = (unix: number): string => time.format(new Date(unix * 1000));

export function formatPercent(rate: number | null): string {
  if (rate === null) return '—';
  const pct = rate * 100;
  return `${pct === 0 || pct === 100 || pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The connected account an event comes from (v1 `account`, v2 `context`); null for the platform's own. */
export const eventAccount = (e: AnyEvent): string | null =>
  e.object === 'v2.core.event' ? e.context : (e.account ?? null);

/** When an event was created, in unix seconds (v2 events carry an ISO date). */
export const eventCreated = (e: AnyEvent): number =>
  typeof e.created === 'number' ? e.created : Math.floor(Date.parse(e.created) / 1000);

/** "Your account" or the connected account's id: the seed's two scopes. */
export const scopeLabel = (account: string | null | undefined): string =>
  account ? account : 'Your account';

export function pretty(json: unknown): string {
  return JSON.stringify(json, null, 2);
}

/**
 * The commands that trigger `event`: Switchboard's CLI, or the Stripe CLI pointed at this server.
 * Keys are left as placeholders: a page never prints one.
 */
export function triggerCommand(event: string, account?: string): string {
  const acct = account ? ` --stripe-account ${account}` : '';
  const base = location.origin === 'http://127.0.0.1:12111' ? '' : ` --api-base ${location.origin}`;
  return [
    `switchboard trigger ${event}${acct}${base}`,
    '# or, with the Stripe CLI:',
    `stripe trigger ${event}${acct} --api-base ${location.origin} --api-key sk_test_...`,
  ].join('\n');
}
