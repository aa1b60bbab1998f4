import type { Api } from './api';
import type { Endpoint, List, StripeEvent } from './types';

/**
 * "Send test event": resend the newest event this endpoint would receive (its scope and event
 * types) with POST /v1/events/{id}/retry; with none yet, create a customer to produce
 * customer.created, when the endpoint listens to it. Returns what was done, for the page to say.
 */
export async function sendTestEvent(api: Api, endpoint: Endpoint): Promise<string> {
  const connect = endpoint.application !== null;
  const all = endpoint.enabled_events.includes('*');
  const recent = await api.get<List<StripeEvent>>('/v1/switchboard/events', {
    limit: 1,
    account: connect ? 'connected' : 'platform',
    ...(all ? {} : { types: endpoint.enabled_events.slice(0, 20) }),
  });
  const event = recent.data[0];
  if (event) {
    await api.post(
      `/v1/events/${event.id}/retry`,
      { webhook_endpoint: endpoint.id },
      { account: event.account },
    );
    return `Resent ${event.type} ${event.id}${event.account ? ` (from ${event.account})` : ''} to this endpoint.`;
  }
  if (!all && !endpoint.enabled_events.includes('customer.created')) {
    return `No ${connect ? 'connected-account' : 'platform'} event of the types this endpoint listens to yet. Trigger one, e.g. \`switchboard trigger ${endpoint.enabled_events[0]}\`${connect ? ' --stripe-account acct_...' : ''}.`;
  }
  let account: string | null = null;
  if (connect) {
    const accounts = await api.get<List<{ id: string }>>('/v1/accounts', { limit: 1 });
    account = accounts.data[0]?.id ?? null;
    if (!account) {
      const created = await api.post<{ id: string }>('/v1/accounts', { type: 'express' });
      account = created.id;
    }
  }
  const customer = await api.post<{ id: string }>(
    '/v1/customers',
    { email: 'test@example.com', description: 'Test event from the Switchboard dashboard' },
    { account },
  );
  return `No matching event yet: created test customer ${customer.id}${account ? ` on ${account}` : ''}, which sends customer.created.`;
}
