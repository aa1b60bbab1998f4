import type { Kysely } from 'kysely';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  required,
  string,
} from '../stripe/params.js';
import { del, get, post, type Caller, type Resource } from './route.js';
import { webhookEventTypes } from '../domain/event-types.js';
import { didYouMean } from '../domain/suggest.js';
import type { Config } from '../config/schema.js';
import { newId, randomToken } from '../domain/ids.js';
import { destinationProblem } from '../services/destination-url.js';
import type { PreviousSecret } from '../domain/signing-secrets.js';
import type { WriteContext } from '../services/context.js';
import type { Database } from '../storage/schema.js';
import {
  countEndpoints,
  insertEndpoint,
  updateEndpoint,
  type EndpointRow,
} from '../storage/repositories/endpoints.js';
import { deliveriesPage } from '../storage/repositories/deliveries.js';
import { attemptList } from './attempt-list.js';
import { listOf } from './common.js';
import {
  listOwnEndpoints,
  requireEndpoint as requireScopedEndpoint,
  requireEndpointToChange as requireScopedEndpointToChange,
} from '../scope/finders.js';
import { renderDelivery, renderEndpoint } from './render.js';

const knownTypes = new Set(['*', ...webhookEventTypes]);

/** `whsec_` and 32 random letters and digits, as Stripe's Dashboard shows them. */
export const newWebhookSecret = (): string => `whsec_${randomToken(32)}`;

const eventTypeParam = string({ maxLength: 200 });

function checkEnabledEvents(events: string[]): string[] {
  if (events.length === 0) throw errors.parameterMissing('enabled_events');
  events.forEach((type, i) => {
    if (!knownTypes.has(type)) {
      throw errors.parameterInvalid(
        `enabled_events[${i}]`,
        `Invalid enabled_events[${i}]: must be one of ${[...knownTypes].slice(0, 6).join(', ')}, ... (${knownTypes.size} values; '${type.slice(0, 80)}' is not one of them).${didYouMean(type.slice(0, 80), knownTypes)}`,
      );
    }
  });
  return [...new Set(events)];
}

/**
 * The URL must be one the destination policy lets deliveries reach (live endpoints: public https
 * URLs, or allowlisted): webhooks must not probe internal networks.
 */
async function checkDestination(
  url: string,
  livemode: boolean,
  config: Config,
  param = 'url',
): Promise<string> {
  const problem = await destinationProblem(url, livemode, config);
  if (problem) throw errors.parameterInvalid(param, `Invalid URL: ${problem}.`, 'url_invalid');
  return url;
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.parameterInvalid(
      'url',
      `Invalid URL: ${url.slice(0, 200)}. An explicit scheme (such as https) must be provided.`,
      'url_invalid',
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw errors.parameterInvalid(
      'url',
      `Invalid URL: ${url.slice(0, 200)}. Only http and https URLs are supported.`,
      'url_invalid',
    );
  }
  return url;
}

const apiVersionParam = string({ maxLength: 40 });

function checkApiVersion(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(v)) {
    throw errors.parameterInvalid('api_version', `Invalid api_version: ${v.slice(0, 40)}`);
  }
  return v;
}

/** A webhook endpoint the caller owns: its platform's (or its connected account's), in its mode. */
export function requireEndpoint(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  param = 'id',
): Promise<EndpointRow> {
  return requireScopedEndpoint(db, caller, id, ['webhook'], () =>
    errors.resourceMissing('webhook endpoint', id, param),
  );
}

/**
 * requireEndpoint for a write that changes the endpoint: the row stays locked until the write
 * commits, so that two concurrent updates (metadata merges, secret rolls) never both start from
 * the same version.
 */
export function requireEndpointToChange(
  w: WriteContext,
  caller: Caller,
  id: string,
): Promise<EndpointRow> {
  return requireScopedEndpointToChange(w, caller, id, ['webhook'], () =>
    errors.resourceMissing('webhook endpoint', id, 'id'),
  );
}

export const webhookEndpoints: Resource = {
  name: 'webhook_endpoints',
  routes: [
    post(
      '/v1/webhook_endpoints',
      {
        url: required(string({ maxLength: 5000 })),
        enabled_events: required(array(eventTypeParam, { max: 300 })),
        api_version: apiVersionParam,
        // Reads back as `application`; which events it receives is the routing tests'.
        connect: effect(
          boolean(),
          'delivers test events of a connected account to test and live connect=true endpoints',
        ),
        description: nullableString(),
        metadata: metadata(),
        ...expandParam,
      },
      async ({ w, caller, params, services }) => {
        const scope = {
          platformId: caller.platform.id,
          livemode: caller.livemode,
          accountId: caller.accountId,
          kind: 'webhook',
        };
        const limit = services.config.maxEndpoints;
        if ((await countEndpoints(w.db, scope)) >= limit) {
          throw errors.invalidRequest(
            `You have reached the maximum of ${limit} ${caller.livemode ? 'live' : 'test'} webhook endpoints on this account.`,
            'url',
          );
        }
        const secret = newWebhookSecret();
        const connect = params.connect ?? false;
        if (connect && caller.accountId) {
          throw errors.stripeAccountNotAllowed(
            'Only a platform can create a Connect endpoint (connect=true); remove the Stripe-Account header.',
            'connect',
          );
        }
        const row: Omit<EndpointRow, 'seq'> = {
          id: newId('we', 24),
          platform_id: caller.platform.id,
          account_id: caller.accountId,
          livemode: caller.livemode ? 1 : 0,
          kind: 'webhook',
          url: await checkDestination(checkUrl(params.url), caller.livemode, services.config),
          connect: connect ? 1 : 0,
          api_version:
            params.api_version === undefined ? null : checkApiVersion(params.api_version),
          description: params.description ?? null,
          enabled_events: JSON.stringify(checkEnabledEvents(params.enabled_events)),
          metadata: JSON.stringify(applyMetadata({}, params.metadata)),
          status: 'enabled',
          disabled_reason: null,
          secret,
          previous_secrets: '[]',
          application: connect ? caller.platform.application_id : null,
          created: Math.floor(w.now / 1000),
          failing_since_ms: null,
          warned_at_ms: null,
          config: '{}',
          deleted: 0,
          chaos: null,
        };
        await insertEndpoint(w.db, row);
        return renderEndpoint({ ...row, seq: 0 }, secret);
      },
    ),

    get(
      '/v1/webhook_endpoints/:id',
      expandParam,
      async ({ db, caller, path }) => renderEndpoint(await requireEndpoint(db, caller, path.id!)),
      {
        permission: 'webhook_endpoints:read',
      },
    ),

    post(
      '/v1/webhook_endpoints/:id',
      {
        url: string({ maxLength: 5000 }),
        enabled_events: array(eventTypeParam, { max: 300 }),
        description: nullableString(),
        metadata: metadata(),
        // Reads back as `status`.
        disabled: effect(
          boolean(),
          'honours enabled_events and sends nothing to disabled endpoints',
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params, services }) => {
        const row = await requireEndpointToChange(w, caller, path.id!);
        const changes: Partial<EndpointRow> = {};
        if (params.url !== undefined) {
          changes.url = await checkDestination(
            checkUrl(params.url),
            caller.livemode,
            services.config,
          );
        }
        if (params.enabled_events !== undefined)
          changes.enabled_events = JSON.stringify(checkEnabledEvents(params.enabled_events));
        if (params.description !== undefined) changes.description = params.description;
        if (params.metadata !== undefined) {
          changes.metadata = JSON.stringify(
            applyMetadata(JSON.parse(row.metadata) as Record<string, string>, params.metadata),
          );
        }
        if (params.disabled !== undefined) {
          changes.status = params.disabled ? 'disabled' : 'enabled';
          changes.disabled_reason = params.disabled ? 'user' : null;
          // Re-enabling starts a new health record: the old failure streak no longer counts.
          if (!params.disabled)
            Object.assign(changes, { failing_since_ms: null, warned_at_ms: null });
        }
        await updateEndpoint(w.db, row.id, changes);
        return renderEndpoint({ ...row, ...changes });
      },
    ),

    del('/v1/webhook_endpoints/:id', {}, async ({ w, caller, path }) => {
      const row = await requireEndpointToChange(w, caller, path.id!);
      await updateEndpoint(w.db, row.id, { deleted: 1, status: 'disabled' });
      return { id: row.id, object: 'webhook_endpoint', deleted: true };
    }),

    get(
      '/v1/webhook_endpoints',
      listParams,
      async ({ db, caller, params, url }) => {
        const result = await listOwnEndpoints(db, caller, 'webhook', params, 'webhook endpoint');
        return listOf(
          url,
          result,
          result.rows.map((r) => renderEndpoint(r)),
        );
      },
      { permission: 'webhook_endpoints:read' },
    ),

    /**
     * Rolls the signing secret (Stripe's Dashboard "Roll secret"): a new secret at once, the old one
     * still signing for `previous_secret_expires_in` seconds (0 to 86400) so receivers can switch.
     */
    post(
      '/v1/webhook_endpoints/:id/roll_secret',
      { previous_secret_expires_in: integer({ min: 0, max: 86_400 }), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await requireEndpointToChange(w, caller, path.id!);
        const secret = newWebhookSecret();
        const keepMs = (params.previous_secret_expires_in ?? 0) * 1000;
        const previous = (JSON.parse(row.previous_secrets) as PreviousSecret[]).filter(
          (p) => p.expires_ms > w.now,
        );
        if (keepMs > 0) previous.push({ secret: row.secret, expires_ms: w.now + keepMs });
        const changes = { secret, previous_secrets: JSON.stringify(previous) };
        await updateEndpoint(w.db, row.id, changes);
        return renderEndpoint({ ...row, ...changes }, secret);
      },
    ),

    get(
      '/v1/webhook_endpoints/:id/attempts',
      listParams,
      async ({ db, caller, path, params, url }) => {
        const endpoint = await requireEndpoint(db, caller, path.id!);
        return attemptList(db, { endpointId: endpoint.id }, params, url);
      },
      { permission: 'webhook_endpoints:read' },
    ),

    get(
      '/v1/webhook_endpoints/:id/deliveries',
      listParams,
      async ({ db, caller, path, params, url }) => {
        const endpoint = await requireEndpoint(db, caller, path.id!);
        const result = await deliveriesPage(
          db,
          { endpointId: endpoint.id },
          { limit: params.limit ?? 10 },
        );
        return listOf(url, result, result.rows.map(renderDelivery));
      },
      { permission: 'webhook_endpoints:read' },
    ),
  ],
};
