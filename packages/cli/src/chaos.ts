import { CliError } from './api/client.js';
import { parseDuration } from './time.js';

/** The chaos delivery settings of a webhook endpoint (POST /v1/switchboard/webhook_endpoints/{id}/chaos). */
export interface WireChaos {
  object: 'webhook_endpoint_chaos';
  webhook_endpoint: string;
  enabled: boolean;
  duplicate_percent: number;
  fail_first_attempt_percent: number;
  delay_percent: number;
  delay_seconds: number;
  reorder_window_seconds: number;
  summary: string;
}

const FLAG = '--chaos';
const HELP =
  'off, or settings separated by commas: duplicate=25%, fail-first=10%, delay=5%:30s, reorder=5s';

function percent(name: string, text: string): number {
  const m = /^(\d{1,3})%?$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100))
    throw new CliError(`${FLAG}: ${name}=${text}: expected a share from 0% to 100%`);
  return n;
}

/**
 * `--chaos` as the API's parameters: `off` (null: turn chaos off), or `duplicate=25%`,
 * `fail-first=10%`, `delay=5%:30s` (the share, then how long; 30 s when left out) and `reorder=5s`
 * (the window; 0 turns it off), separated by commas. Settings left out keep their values.
 */
export function parseChaosSpec(text: string): Record<string, number> | null {
  if (text.trim() === 'off') return null;
  const params: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [name = '', value] = part.split('=').map((s) => s.trim());
    if (value === undefined || value === '')
      throw new CliError(`${FLAG}: ${JSON.stringify(part)}: expected ${HELP}`);
    switch (name) {
      case 'duplicate':
        params.duplicate_percent = percent(name, value);
        break;
      case 'fail-first':
        params.fail_first_attempt_percent = percent(name, value);
        break;
      case 'delay': {
        const [share = '', by] = value.split(':');
        params.delay_percent = percent(name, share);
        if (by !== undefined) params.delay_seconds = parseDuration(by, `${FLAG} delay`);
        break;
      }
      case 'reorder':
        params.reorder_window_seconds = parseDuration(value, `${FLAG} reorder`);
        break;
      default:
        throw new CliError(`${FLAG}: unknown setting ${JSON.stringify(name)}; expected ${HELP}`);
    }
  }
  return params;
}
