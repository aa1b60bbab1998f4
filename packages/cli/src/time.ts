import { CliError } from './api/client.js';

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A time given on the command line, as unix seconds: an ISO date or date-time
 * (`2026-11-24`, `2026-11-24T12:00:00Z`), unix seconds, `now`, or a duration ago (`90s`, `30m`,
 * `2h`, `3d`, `1w`, optionally followed by `ago`).
 */
export function parseTime(text: string, flag: string, nowMs = Date.now()): number {
  const t = text.trim();
  const now = Math.floor(nowMs / 1000);
  if (t === 'now') return now;
  if (/^\d{9,11}$/.test(t)) return Number(t);
  const ago = /^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s+ago)?$/.exec(t);
  if (ago) return Math.floor(now - Number(ago[1]) * units[ago[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new CliError(
    `${flag}: cannot read ${JSON.stringify(text)} as a time; use an ISO date (2026-11-24, 2026-11-24T12:00:00Z), unix seconds, or a duration ago such as 30m, 2h or 3d`,
  );
}

/** A duration in seconds: plain seconds (`3600`) or with a unit (`90s`, `30m`, `2h`, `1d`). */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/.exec(text.trim());
  if (!m)
    throw new CliError(
      `${flag}: cannot read ${JSON.stringify(text)} as a duration (e.g. 90, 30m, 2h)`,
    );
  return Math.floor(Number(m[1]) * (m[2] ? units[m[2]]! : 1));
}
