import type { DeliveryRow } from '../../src/storage/repositories/deliveries.js';
import type { EndpointRow } from '../../src/storage/repositories/endpoints.js';

/** An enabled test-mode endpoint row of `kind`, for conformance tests that write rows directly. */
export function endpointRow(
  fields: Pick<EndpointRow, 'id' | 'platform_id' | 'kind' | 'url' | 'secret' | 'created'>,
): Omit<EndpointRow, 'seq'> {
  return {
    account_id: null,
    livemode: 0,
    connect: 0,
    api_version: null,
    description: null,
    enabled_events: '["*"]',
    metadata: '{}',
    status: 'enabled',
    disabled_reason: null,
    previous_secrets: '[]',
    application: null,
    failing_since_ms: null,
    warned_at_ms: null,
    config: '{}',
    deleted: 0,
    chaos: null,
    ...fields,
  };
}

/** A pending delivery row never attempted, due at `next_attempt_ms`. */
export function pendingDeliveryRow(
  fields: Pick<
    DeliveryRow,
    'id' | 'event_id' | 'endpoint_id' | 'platform_id' | 'next_attempt_ms' | 'created_ms'
  >,
): Omit<DeliveryRow, 'seq'> {
  return {
    status: 'pending',
    one_shot: 0,
    attempts: 0,
    first_attempt_ms: null,
    lease_until_ms: null,
    lease_owner: null,
    last_status_code: null,
    last_error: null,
    updated_ms: fields.created_ms,
    ...fields,
  };
}
