import { isManualClock, parseDurationMs, seconds } from '../domain/clock.js';
import type { Services } from '../services/context.js';
import { ClockBackwardsError, ClockStalledError } from '../services/clock-control.js';
import { errors } from '../stripe/errors.js';
import { integer, string } from '../stripe/params.js';
import { action, get, type Resource } from './route.js';

/** Ten years: the most one call moves the clock (further is a typo, not a test). */
const MAX_ADVANCE_MS = 10 * 365 * 86_400_000;

function renderClock(services: Services) {
  const now = services.clock.now();
  const manual = isManualClock(services.clock);
  return {
    object: 'switchboard.clock' as const,
    mode: manual ? ('manual' as const) : ('system' as const),
    speed: manual ? null : services.config.clockSpeed,
    now: seconds(now),
    now_ms: now,
  };
}

/**
 * The server's clock (Switchboard's API): read it, and with `serve --clock manual` move it forward
 * so that retries, auto-disable, payouts, funds and link expiry happen when a test says
 * (services/clock-control.ts). The clock is the server's, shared by every platform on it.
 */
export const clock: Resource = {
  name: 'clock',
  routes: [
    get('/v1/switchboard/clock', {}, async ({ services }) => renderClock(services)),
    action(
      '/v1/switchboard/clock/advance',
      { by: string({ maxLength: 40 }), to: integer({ min: 0 }) },
      async ({ services, params }) => {
        const control = services.clockControl;
        if (!control) throw errors.clockNotManual();
        if (params.by !== undefined && params.to !== undefined)
          throw errors.parametersExclusive('by', 'to');
        let step: { byMs: number } | { toMs: number };
        if (params.by !== undefined) {
          const byMs = parseDurationMs(params.by);
          if (byMs === null)
            throw errors.parameterInvalid(
              'by',
              `Invalid duration: '${params.by}' (examples: 30s, 10m, 1h, 3d, or a number of seconds)`,
            );
          step = { byMs };
        } else if (params.to !== undefined) step = { toMs: params.to * 1000 };
        else throw errors.parameterMissing('by');
        const farthest = services.clock.now() + MAX_ADVANCE_MS;
        if ('byMs' in step ? step.byMs > MAX_ADVANCE_MS : step.toMs > farthest)
          throw errors.parameterInvalid(
            'byMs' in step ? 'by' : 'to',
            'The clock moves at most 10 years in one call.',
          );
        try {
          await control.advance(step);
        } catch (e) {
          if (e instanceof ClockBackwardsError)
            throw errors.parameterInvalid(
              'to',
              `The clock only moves forward: it is ${seconds(e.now)} now, and to is ${params.to}.`,
            );
          if (e instanceof ClockStalledError) throw errors.clockStalled(e.message);
          throw e;
        }
        return renderClock(services);
      },
      // The clock is the server's, shared by every platform on it.
      { callers: 'platform' },
    ),
  ],
};
