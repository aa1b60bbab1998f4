import type { Kysely } from 'kysely';
import { errors } from '../../stripe/errors.js';
import {
  array,
  effect,
  extension,
  integer,
  metadata,
  applyMetadata,
  listParams,
  nullableString,
  object,
  oneOf,
  refused,
  required,
  string,
} from '../../stripe/params.js';

const webhooksOnly = 'Switchboard delivers to webhook endpoints only';
import { del, get, post, type Caller, type Resource } from '../route.js';
import { thinEventTypes, webhookEventTypes } from '../../domain/event-types.js';
import { didYouMean } from '../../domain/suggest.js';
import type { Config } from '../../config/schema.js';
import { newId } from '../../domain/ids.js';
import { destinationProblem } from '../../services/destination-url.js';
import type { WriteContext } from '../../services/context.js';
import { emitThinEvent } from '../../services/emit-thin-event.js';
import { attemptList } from '../attempt-list.js';
import { requireEndpoint, requireEndpointToChange } from '../../scope/finders.js';
import {
  countEndpoints,
  insertEndpoint,
  updateEndpoint,
  type EndpointRow,
} from '../../storage/repositories/endpoints.js';
import { paginate } from '../../storage/repositories/pagination.js';
import type { Database } from '../../storage/schema.js';
import { newWebhookSecret } from '../webhook-endpoints.js';
import { decodePage, iso, v2List } from './pages.js';

/**
 * v2 event destinations (`/v2/core/event_destinations`): where thin (v2) or snapshot (v1) events
 * are sent, from `@self` (the platform's own) and/or `@accounts` (its connected accounts).
 * Switchboard delivers to `webhook_endpoint` destinations; cloud destinations are refused.
 */
const v1Types = new Set(webhookEventTypes);

/** v2 (thin) types Switchboard emits (checkEvents also takes the `v1.` forms of the v1 types). */
export const thinTypes = new Set(thinEventTypes);

interface DestinationConfig {
  payload: 'thin' | 'snapshot';
  events_from: string[];
  name: string;
  updated_ms: number;
}

const eventsFromValues = ['@self', '@accounts', 'self', 'accounts'] as const;

function config(row: EndpointRow): DestinationConfig {
  return JSON.parse(row.config) as DestinationConfig;
}

export function renderDestination(
  row: EndpointRow,
  include: readonly string[] = [],
  secret?: string,
) {
  const c = config(row);
  return {
    id: row.id,
    object: 'v2.core.event_destination',
    created: iso(Number(row.created) * 1000),
    description: row.description ?? '',
    enabled_events: JSON.parse(row.enabled_events) as string[],
    event_payload: c.payload,
    events_from: c.events_from,
    livemode: row.livemode === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    name: c.name,
    snapshot_api_version: c.payload === 'snapshot' ? row.api_version : null,
    status: row.status,
    status_details:
      row.status === 'disabled' ? { disabled: { reason: row.disabled_reason ?? 'user' } } : null,
    type: 'webhook_endpoint',
    updated: iso(c.updated_ms),
    webhook_endpoint: {
      signing_secret:
        secret !== undefined && include.includes('webhook_endpoint.signing_secret') ? secret : null,
      url: include.includes('webhook_endpoint.url') ? row.url : null,
    },
  };
}

function checkEvents(events: string[], payload: 'thin' | 'snapshot'): string[] {
  if (events.length === 0) throw errors.parameterMissing('enabled_events');
  events.forEach((t, i) => {
    if (t === '*') {
      if (payload === 'thin') {
        throw errors.parameterInvalid(
          `enabled_events[${i}]`,
          'Thin event destinations cannot select all events (*): list the event types.',
        );
      }
      return;
    }
    const known =
      payload === 'thin'
        ? thinTypes.has(t) || (t.startsWith('v1.') && v1Types.has(t.slice(3)))
        : v1Types.has(t);
    if (!known) {
      throw errors.parameterInvalid(
        `enabled_events[${i}]`,
        `Invalid enabled_events[${i}]: '${t.slice(0, 100)}' is not a ${payload} event type${payload === 'snapshot' ? ' (snapshot destinations take v1 types such as customer.created)' : ' (thin destinations take v2 types such as v2.core.account.updated)'}.${didYouMean(t.slice(0, 100), payload === 'thin' ? thinTypes : v1Types)}`,
      );
    }
  });
  return [...new Set(events)];
}

async function checkUrl(url: string, livemode: boolean, config: Config): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.parameterInvalid('webhook_endpoint[url]', `Invalid URL: ${url.slice(0, 200)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw errors.parameterInvalid(
      'webhook_endpoint[url]',
      'Invalid URL: only http and https are supported.',
    );
  }
  const problem = await destinationProblem(url, livemode, config);
  if (problem) {
    throw errors.parameterInvalid(
      'webhook_endpoint[url]',
      `Invalid URL: ${problem}.`,
      'url_invalid',
    );
  }
  return url;
}

const destinationMissing = (id: string) =>
  errors.invalidRequest(`No such event destination: '${id}'`, 'id', 'not_found', 404);

/**
 * An event destination the caller owns: its platform's own, or (with `Stripe-Context`, or an
 * OAuth token) its connected account's, in its mode.
 */
export function requireDestination(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
): Promise<EndpointRow> {
  return requireEndpoint(db, caller, id, ['destination'], () => destinationMissing(id));
}

/**
 * requireDestination for a write that changes the destination: locked until the write commits,
 * so that concurrent updates (metadata merges, its config) never both start from one version.
 */
function requireDestinationToChange(
  w: WriteContext,
  caller: Caller,
  id: string,
): Promise<EndpointRow> {
  return requireEndpointToChange(w, caller, id, ['destination'], () => destinationMissing(id));
}

/** The blocks of a destination `include` shows: the test that checks them. */
const includeTest = 'creates destinations as the SDK expects, with the secret only on create';
const includeParam = effect(
  array(oneOf(['webhook_endpoint.url', 'webhook_endpoint.signing_secret'] as const)),
  includeTest,
);
const urlInclude = effect(array(oneOf(['webhook_endpoint.url'] as const)), includeTest);

export const v2EventDestinations: Resource = {
  name: 'v2.core.event_destinations',
  routes: [
    post(
      '/v2/core/event_destinations',
      {
        name: required(string({ maxLength: 200 })),
        type: required(
          oneOf(['webhook_endpoint', 'amazon_eventbridge', 'azure_event_grid'] as const),
        ),
        event_payload: required(oneOf(['thin', 'snapshot'] as const)),
        enabled_events: required(array(string({ maxLength: 200 }), { max: 300 })),
        events_from: array(oneOf(eventsFromValues)),
        description: nullableString(),
        metadata: metadata(),
        snapshot_api_version: string({ maxLength: 40 }),
        webhook_endpoint: object({ url: required(string({ maxLength: 5000 })) }),
        amazon_eventbridge: refused(webhooksOnly),
        azure_event_grid: refused(webhooksOnly),
        include: includeParam,
      },
      async ({ w, caller, params: p, services }) => {
        if (p.type !== 'webhook_endpoint') {
          throw errors.parameterInvalid(
            'type',
            `Switchboard delivers to webhook endpoints only; '${p.type}' destinations are not available.`,
          );
        }
        if (!p.webhook_endpoint) throw errors.parameterMissing('webhook_endpoint[url]');
        if (p.event_payload === 'thin' && p.snapshot_api_version) {
          throw errors.parameterInvalid(
            'snapshot_api_version',
            'snapshot_api_version applies to snapshot destinations only.',
          );
        }
        const limit = services.config.maxEventDestinations;
        const scope = {
          platformId: caller.platform.id,
          livemode: caller.livemode,
          accountId: caller.accountId,
          kind: 'destination',
        };
        if ((await countEndpoints(w.db, scope)) >= limit) {
          throw errors.invalidRequest(
            `You have reached the maximum of ${limit} ${caller.livemode ? 'live' : 'test'} event destinations on this account: delete one before creating another.`,
            undefined,
            'event_destinations_limit_reached',
          );
        }
        const secret = newWebhookSecret();
        const eventsFrom = (p.events_from ?? ['@self']).map((e) =>
          e.startsWith('@') ? e : `@${e}`,
        );
        if (caller.accountId && eventsFrom.includes('@accounts')) {
          // A destination made in a connected account's context is the account's: it receives
          // that account's events, and a connected account has no connected accounts.
          throw errors.parameterInvalid(
            'events_from',
            "A destination created in a connected account's context receives that account's own events: events_from cannot include @accounts.",
          );
        }
        const row: Omit<EndpointRow, 'seq'> = {
          id: newId(caller.livemode ? 'ed' : 'ed_test', 40),
          platform_id: caller.platform.id,
          account_id: caller.accountId,
          livemode: caller.livemode ? 1 : 0,
          kind: 'destination',
          url: await checkUrl(p.webhook_endpoint.url, caller.livemode, services.config),
          connect: eventsFrom.includes('@accounts') ? 1 : 0,
          api_version:
            p.event_payload === 'snapshot'
              ? (p.snapshot_api_version ?? caller.platform.default_api_version)
              : null,
          description: p.description ?? null,
          enabled_events: JSON.stringify(checkEvents(p.enabled_events, p.event_payload)),
          metadata: JSON.stringify(applyMetadata({}, p.metadata)),
          status: 'enabled',
          disabled_reason: null,
          secret,
          previous_secrets: '[]',
          application: null,
          created: Math.floor(w.now / 1000),
          failing_since_ms: null,
          warned_at_ms: null,
          config: JSON.stringify({
            payload: p.event_payload,
            events_from: eventsFrom,
            name: p.name,
            updated_ms: w.now,
          } satisfies DestinationConfig),
          deleted: 0,
          chaos: null,
        };
        await insertEndpoint(w.db, row);
        return renderDestination({ ...row, seq: 0 }, p.include ?? [], secret);
      },
      { body: 'json' },
    ),

    get(
      '/v2/core/event_destinations/:id',
      { include: includeParam },
      async ({ db, caller, path, params: p }) =>
        renderDestination(await requireDestination(db, caller, path.id!), p.include ?? []),
    ),

    post(
      '/v2/core/event_destinations/:id',
      {
        name: string({ maxLength: 200 }),
        description: nullableString(),
        enabled_events: array(string({ maxLength: 200 }), { max: 300 }),
        metadata: metadata(),
        webhook_endpoint: object({ url: required(string({ maxLength: 5000 })) }),
        include: urlInclude,
      },
      async ({ w, caller, path, params: p, services }) => {
        const row = await requireDestinationToChange(w, caller, path.id!);
        const c = config(row);
        const changes: Partial<EndpointRow> = {};
        if (p.description !== undefined) changes.description = p.description;
        if (p.enabled_events !== undefined)
          changes.enabled_events = JSON.stringify(checkEvents(p.enabled_events, c.payload));
        if (p.metadata !== undefined)
          changes.metadata = JSON.stringify(
            applyMetadata(JSON.parse(row.metadata) as Record<string, string>, p.metadata),
          );
        if (p.webhook_endpoint)
          changes.url = await checkUrl(p.webhook_endpoint.url, caller.livemode, services.config);
        changes.config = JSON.stringify({ ...c, name: p.name ?? c.name, updated_ms: w.now });
        await updateEndpoint(w.db, row.id, changes);
        return renderDestination({ ...row, ...changes }, p.include ?? []);
      },
      { body: 'json' },
    ),

    del(
      '/v2/core/event_destinations/:id',
      {},
      async ({ w, caller, path }) => {
        const row = await requireDestinationToChange(w, caller, path.id!);
        await updateEndpoint(w.db, row.id, { deleted: 1, status: 'disabled' });
        return { id: row.id, object: 'v2.core.event_destination' };
      },
      { body: 'json' },
    ),

    ...(['enable', 'disable'] as const).map((action) =>
      post(
        `/v2/core/event_destinations/:id/${action}`,
        {
          include: extension(
            urlInclude,
            "the stripe package's types leave it out; shows the URL in the answer, as retrieve does",
          ),
        },
        async ({ w, caller, path, params: p }) => {
          const row = await requireDestinationToChange(w, caller, path.id!);
          const changes: Partial<EndpointRow> = {
            status: action === 'enable' ? 'enabled' : 'disabled',
            disabled_reason: action === 'enable' ? null : 'user',
            config: JSON.stringify({ ...config(row), updated_ms: w.now }),
            ...(action === 'enable' ? { failing_since_ms: null, warned_at_ms: null } : {}),
          };
          await updateEndpoint(w.db, row.id, changes);
          return renderDestination({ ...row, ...changes }, p.include ?? []);
        },
        { body: 'json' },
      ),
    ),

    /**
     * The attempts to deliver to this destination, newest first (Switchboard's API, as
     * `GET /v1/webhook_endpoints/{id}/attempts` for a webhook endpoint; the dashboard reads it).
     */
    get(
      '/v1/switchboard/event_destinations/:id/attempts',
      listParams,
      async ({ db, caller, path, params, url }) => {
        const row = await requireDestination(db, caller, path.id!);
        return attemptList(db, { endpointId: row.id }, params, url);
      },
      { permission: 'webhook_endpoints:read' },
    ),

    /** Sends a `v2.core.event_destination.ping` thin event to this destination and returns it. */
    post(
      '/v2/core/event_destinations/:id/ping',
      {},
      async ({ w, caller, path }) => {
        const row = await requireDestination(w.db, caller, path.id!);
        const event = await emitThinEvent(w, {
          type: 'v2.core.event_destination.ping',
          relatedObject: {
            id: row.id,
            type: 'v2.core.event_destination',
            url: `/v2/core/event_destinations/${row.id}`,
          },
          context: null,
          onlyTo: row.status === 'enabled' && config(row).payload === 'thin' ? row.id : '-',
        });
        return event;
      },
      { body: 'json' },
    ),

    get(
      '/v2/core/event_destinations',
      {
        limit: effect(integer({ min: 1, max: 100 }), includeTest),
        page: effect(string(), includeTest),
        include: urlInclude,
      },
      async ({ db, caller, params: p, url }) => {
        const q = db
          .selectFrom('endpoints')
          .selectAll()
          .where('platform_id', '=', caller.platform.id)
          .where('account_id', caller.accountId === null ? 'is' : '=', caller.accountId)
          .where('kind', '=', 'destination')
          .where('livemode', '=', caller.livemode ? 1 : 0)
          .where('deleted', '=', 0);
        const { page: token, ...filters } = p;
        const page = await paginate(q, 'seq', {
          limit: p.limit ?? 10,
          afterSeq: decodePage(token),
        });
        return v2List(
          url,
          page.rows,
          page.hasMore,
          page.rows.map((r) => renderDestination(r, p.include ?? [])),
          filters,
        );
      },
    ),
  ],
};
