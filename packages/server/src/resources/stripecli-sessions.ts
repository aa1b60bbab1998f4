import { errors } from '../stripe/errors.js';
import { array, boolean, oneOf, string } from '../stripe/params.js';
import { post, type Caller, type Resource } from './route.js';
import type { WriteContext } from '../services/context.js';
import { newId, randomToken } from '../domain/ids.js';
import { publicBaseUrl } from '../services/context.js';
import { hashWebsocketId } from '../listen/session-id.js';
import {
  insertEndpoint,
  openListenSessions,
  updateEndpoint,
} from '../storage/repositories/endpoints.js';
import { listenSecret } from '../storage/repositories/listen-secrets.js';
import { newWebhookSecret } from './webhook-endpoints.js';

/**
 * A session not seen for this long has no CLI connected: connected sessions are seen every 30 s
 * (listen/hub.ts), and one that disconnects is kept 5 minutes for its CLI to come back.
 */
const GONE_AFTER_MS = 90_000;

/**
 * Every session receives every event of its mode, so they are capped (`--max-listen-sessions`):
 * 2,000 of them made every platform's deliveries 30 times slower. At the cap, the sessions gone
 * longest make room (a CLI killed without quitting leaves one behind for 5 minutes); with none
 * gone, the new session is refused.
 */
async function makeRoom(w: WriteContext, caller: Caller, limit: number): Promise<void> {
  const open = await openListenSessions(w.db, caller.platform.id, caller.livemode);
  const excess = open.length - limit + 1;
  if (excess <= 0) return;
  const now = Date.now();
  const gone = open
    .filter((s) => now - s.lastSeenMs > GONE_AFTER_MS)
    .sort((a, b) => a.lastSeenMs - b.lastSeenMs);
  if (gone.length < excess)
    throw errors.invalidRequest(
      `You have reached the maximum of ${limit} ${caller.livemode ? 'live' : 'test'} listen sessions on this account: quit a \`stripe listen\` or \`switchboard listen\` before starting another (a session whose CLI went away without quitting ends 5 minutes later).`,
      undefined,
      'listen_sessions_limit_reached',
    );
  for (const s of gone.slice(0, excess))
    await updateEndpoint(w.db, s.id, { deleted: 1, status: 'disabled' });
}

/**
 * `POST /v1/stripecli/sessions`: what `stripe listen` (and `switchboard listen`) call first. The
 * session is an endpoint of kind `listen` that receives every event of the key's mode, from both
 * scopes, pushed over a websocket. Its signing secret is the same for every session of the
 * platform and mode, so a receiver's secret keeps working across restarts of `listen`.
 */
export const stripecliSessions: Resource = {
  name: 'stripecli_sessions',
  routes: [
    post(
      '/v1/stripecli/sessions',
      {
        device_name: string({ maxLength: 200 }),
        websocket_features: array(oneOf(['webhooks', 'v2_events', 'request_logs'] as const)),
        forward_to_url: string({ maxLength: 2000, empty: 'allow' }),
        forward_connect_to_url: string({ maxLength: 2000, empty: 'allow' }),
        forward_thin_to_url: string({ maxLength: 2000, empty: 'allow' }),
        forward_thin_connect_to_url: string({ maxLength: 2000, empty: 'allow' }),
        enable_v2_events: boolean(),
      },
      async ({ w, caller, params, host, services }) => {
        const features = params.websocket_features?.length
          ? [...new Set(params.websocket_features)]
          : ['webhooks'];
        const secret = await listenSecret(
          w.db,
          caller.platform.id,
          caller.livemode,
          newWebhookSecret,
        );
        await makeRoom(w, caller, services.config.maxListenSessions);
        const websocketId = `cliws_${randomToken(40)}`;
        const snapshot = features.includes('webhooks');
        const thin = features.includes('v2_events');
        await insertEndpoint(w.db, {
          id: newId('lsn', 24),
          platform_id: caller.platform.id,
          account_id: null,
          livemode: caller.livemode ? 1 : 0,
          kind: 'listen',
          url: hashWebsocketId(websocketId),
          connect: 1,
          api_version: null,
          description: params.device_name ?? null,
          enabled_events: JSON.stringify(['*']),
          metadata: '{}',
          status: 'enabled',
          disabled_reason: null,
          secret,
          previous_secrets: '[]',
          application: null,
          created: Math.floor(w.now / 1000),
          failing_since_ms: null,
          warned_at_ms: null,
          config: JSON.stringify({
            payload: snapshot && thin ? 'both' : thin ? 'thin' : 'snapshot',
            events_from: ['@self', '@accounts'],
            device_name: params.device_name ?? null,
            last_seen_ms: Date.now(),
            // The key that opened it: the session ends when the key is revoked.
            key_id: caller.credential.kind === 'secret' ? caller.credential.keyId : null,
          }),
          deleted: 0,
          chaos: null,
        });
        const base = publicBaseUrl(services, host);
        return {
          websocket_url: `${base.replace(/^http/, 'ws')}/v1/stripecli/websocket`,
          websocket_id: websocketId,
          websocket_authorized_feature: features.join(','),
          secret,
          reconnect_delay: 60,
          default_version: caller.platform.default_api_version,
          latest_version: caller.platform.default_api_version,
          device_token: '',
          display_connect_filter_warning: false,
        };
      },
      // A session receives every event of the platform and carries its listen secret; the
      // websocket id is its credential, stored hashed: the idempotent replay is sealed.
      { callers: 'platform', secrets: true },
    ),
  ],
};
