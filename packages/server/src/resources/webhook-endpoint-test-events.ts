import { errors } from '../stripe/errors.js';
import { required, string } from '../stripe/params.js';
import { post, RawJson, type Resource } from './route.js';
import { didYouMean } from '../domain/suggest.js';
import { testEventObject, testEventTypes } from '../domain/test-events.js';
import { emitEvent } from '../services/emit-event.js';
import { findEvent } from '../storage/repositories/events.js';
import { requireAccount } from './accounts.js';
import { eventJson } from './render.js';
import { requireEndpoint } from './webhook-endpoints.js';

/**
 * "Send test event" (Stripe's Dashboard "Send test webhook"): an event of the chosen `type`, whose
 * `data.object` is Stripe's example object of that resource (domain/test-events.ts), sent once to
 * this endpoint only. It is a test-mode event (`livemode: false`) and is recorded like any other,
 * so its attempt shows in the logs; for a Connect endpoint it comes from the connected account
 * named by `account`.
 */
export const webhookEndpointTestEvents: Resource = {
  name: 'webhook_endpoint_test_events',
  routes: [
    post(
      '/v1/switchboard/webhook_endpoints/:id/test_event',
      { type: required(string({ maxLength: 200 })), account: string({ maxLength: 80 }) },
      async ({ w, caller, path, params }) => {
        const endpoint = await requireEndpoint(w.db, caller, path.id!);
        const object = testEventObject(params.type, Math.floor(w.now / 1000));
        if (!object) {
          throw errors.parameterInvalid(
            'type',
            `Test events cover the event types Switchboard emits: '${params.type.slice(0, 80)}' is not one of them (${testEventTypes.length} types: GET /v1/switchboard/event_types lists them as test_events).${didYouMean(params.type.slice(0, 80), testEventTypes)}`,
          );
        }
        let account = endpoint.account_id;
        if (endpoint.connect === 1) {
          if (params.account === undefined) {
            throw errors.invalidRequest(
              `${endpoint.id} is a Connect endpoint: its events come from connected accounts. Name the one this test event comes from with account=acct_... (GET /v1/accounts lists them).`,
              'account',
            );
          }
          account = (await requireAccount(w.db, caller, params.account)).id;
        } else if (params.account !== undefined) {
          throw errors.invalidRequest(
            `${endpoint.id} is not a Connect endpoint: its test events come from ${endpoint.account_id ?? 'your account'}; remove account.`,
            'account',
          );
        }
        const id = await emitEvent(w, {
          type: params.type,
          object,
          account,
          livemode: false,
          onlyTo: endpoint.id,
        });
        return new RawJson(eventJson((await findEvent(w.db, id))!));
      },
      { permission: 'webhook_endpoints:write' },
    ),
  ],
};
