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

/** "Your account" or the connected account's id: the seed's two scopes. */
export const scopeLabel = (account: string | null | undefined): string =>
  account ? account : 'Your account';

export function pretty(json: unknown): string {
  return JSON.stringify(json, null, 2);
}
