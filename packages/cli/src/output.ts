import { ApiError, CliError } from './api/client.js';

/**
 * Wraps a command's action: any failure is printed as one line, `switchboard NAME: reason`, and the
 * process exits 1. Unexpected errors show their stack with SWITCHBOARD_DEBUG=1.
 */
export function action<A extends unknown[]>(
  name: string,
  fn: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      fail(name, e);
    }
  };
}

export function fail(name: string, e: unknown): never {
  const err = e as Error;
  const known = e instanceof CliError || e instanceof ApiError;
  const message = (err?.message ?? String(e)).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`switchboard ${name}: ${message}\n`);
  if (!known && process.env.SWITCHBOARD_DEBUG) process.stderr.write(`${err?.stack}\n`);
  process.exit(1);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Aligned columns, a header line first; cells but the last are cut at 60 characters. */
export function printTable(headers: string[], rows: string[][]): void {
  const cut = (s: string, i: number) =>
    i < headers.length - 1 && s.length > 60 ? s.slice(0, 59) + '…' : s;
  const all = [headers, ...rows.map((r) => r.map(cut))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) {
    process.stdout.write(
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd() + '\n',
    );
  }
}

/** Unix seconds as `2026-11-24 12:00:00` (UTC). */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Repeatable and comma-separated: `--events a,b --events c` -> ['a','b','c']. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
