import { errors } from '../stripe/errors.js';
import { integer } from '../stripe/params.js';
import { del, get, post, type Resource } from './route.js';
import {
  chaosLimits,
  chaosOff,
  describeChaos,
  isChaosOff,
  parseChaos,
  type ChaosSettings,
} from '../domain/chaos.js';
import { updateEndpoint, type EndpointRow } from '../storage/repositories/endpoints.js';
import { requireEndpoint, requireEndpointToChange } from './webhook-endpoints.js';

const percent = () => integer(chaosLimits.percent);

/** The settings a request may change; each one it leaves out keeps its value. */
const chaosParams = {
  duplicate_percent: percent(),
  fail_first_attempt_percent: percent(),
  delay_percent: percent(),
  delay_seconds: integer(chaosLimits.delay_seconds),
  reorder_window_seconds: integer(chaosLimits.reorder_window_seconds),
};

function render(endpoint: EndpointRow, settings: ChaosSettings | null) {
  const s = settings ?? chaosOff;
  return {
    object: 'webhook_endpoint_chaos' as const,
    webhook_endpoint: endpoint.id,
    livemode: endpoint.livemode === 1,
    enabled: settings !== null,
    duplicate_percent: s.duplicate_percent,
    fail_first_attempt_percent: s.fail_first_attempt_percent,
    delay_percent: s.delay_percent,
    delay_seconds: s.delay_seconds,
    reorder_window_seconds: s.reorder_window_seconds,
    /** The settings in words, as the attempt log and the CLI say them. */
    summary: describeChaos(s),
  };
}

/**
 * Chaos delivery settings of a webhook endpoint (Switchboard's own route: Stripe's
 * `POST /v1/webhook_endpoints/{id}` takes Stripe's parameters only). Off by default; refused on
 * live endpoints unless the server runs with `--live-chaos on`. What each setting does:
 * domain/chaos.ts; how: delivery/chaos.ts.
 */
export const webhookEndpointChaos: Resource = {
  name: 'webhook_endpoint_chaos',
  routes: [
    get(
      '/v1/switchboard/webhook_endpoints/:id/chaos',
      {},
      async ({ db, caller, path }) => {
        const endpoint = await requireEndpoint(db, caller, path.id!);
        return render(endpoint, parseChaos(endpoint.chaos ?? null));
      },
      { permission: 'webhook_endpoints:read' },
    ),

    post(
      '/v1/switchboard/webhook_endpoints/:id/chaos',
      chaosParams,
      async ({ w, caller, path, params, services }) => {
        const endpoint = await requireEndpointToChange(w, caller, path.id!);
        const next: ChaosSettings = { ...(parseChaos(endpoint.chaos ?? null) ?? chaosOff) };
        for (const key of Object.keys(chaosParams) as Array<keyof ChaosSettings>) {
          const value = params[key];
          if (value !== undefined) next[key] = value;
        }
        const off = isChaosOff(next);
        if (!off && endpoint.livemode === 1 && !services.config.liveChaos) {
          throw errors.invalidRequest(
            `Chaos delivery is off for live-mode endpoints on this server: ${endpoint.id} is a live endpoint. Use a test-mode endpoint, or start the server with --live-chaos on (SWITCHBOARD_LIVE_CHAOS=on) to allow it.`,
          );
        }
        const chaos = off ? null : JSON.stringify(next);
        await updateEndpoint(w.db, endpoint.id, { chaos });
        return render(endpoint, off ? null : next);
      },
      { permission: 'webhook_endpoints:write' },
    ),

    del(
      '/v1/switchboard/webhook_endpoints/:id/chaos',
      {},
      async ({ w, caller, path }) => {
        const endpoint = await requireEndpointToChange(w, caller, path.id!);
        await updateEndpoint(w.db, endpoint.id, { chaos: null });
        return render(endpoint, null);
      },
      { permission: 'webhook_endpoints:write' },
    ),
  ],
};
