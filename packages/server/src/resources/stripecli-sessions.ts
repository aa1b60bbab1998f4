import { array, boolean, oneOf, string } from '../stripe/params.js';
import { post, type Resource } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import { publicBaseUrl } from '../services/context.js';
import { hashWebsocketId } from '../listen/session-id.js';
import { insertEndpoint } from '../storage/repositories/endpoints.js';
import { listenSecret } from '../storage/repositories/listen-secrets.js';
import { newWebhookSecret } from './webhook-endpoints.js';

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
          }),
          deleted: 0,
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
    ),
  ],
};
