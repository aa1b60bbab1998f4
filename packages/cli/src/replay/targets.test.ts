import { describe, expect, it } from 'vitest';
import {
  destinationsReceiving,
  endpointsReceiving,
  type OwnedEndpoint,
  type RoutedDestination,
} from './targets.js';

const endpoint = (
  id: string,
  over: Partial<OwnedEndpoint['endpoint']> = {},
  owner: string | null = null,
): OwnedEndpoint => ({
  endpoint: {
    id,
    status: 'enabled',
    enabled_events: ['*'],
    livemode: false,
    application: null,
    ...over,
  },
  owner,
});

const all = [
  endpoint('test-account'),
  endpoint('test-connect', { application: 'ca_1' }),
  endpoint('live-account', { livemode: true }),
  endpoint('live-connect', { livemode: true, application: 'ca_1' }),
  endpoint('acct-own', {}, 'acct_A'),
  endpoint('other-own', {}, 'acct_B'),
  endpoint('disabled', { status: 'disabled' }),
  endpoint('payouts-only', { enabled_events: ['payout.failed'] }),
];

const ids = (event: Parameters<typeof endpointsReceiving>[0]) =>
  endpointsReceiving(event, all).map((e) => e.endpoint.id);

describe('which endpoints receive an event (replay without --endpoint)', () => {
  it("sends the platform's own events to its Your-account endpoints of the same mode", () => {
    expect(ids({ id: 'evt_1', type: 'customer.created', livemode: false })).toEqual([
      'test-account',
    ]);
    expect(ids({ id: 'evt_1', type: 'customer.created', account: null, livemode: true })).toEqual([
      'live-account',
    ]);
  });

  it("sends a connected account's test events to test and live Connect endpoints, live events to live ones", () => {
    expect(
      ids({ id: 'evt_1', type: 'customer.created', account: 'acct_A', livemode: false }),
    ).toEqual(['test-connect', 'live-connect', 'acct-own']);
    expect(
      ids({ id: 'evt_1', type: 'customer.created', account: 'acct_B', livemode: true }),
    ).toEqual(['live-connect']);
  });

  it("sends to an account's own endpoint only that account's events of its mode", () => {
    expect(ids({ id: 'e', type: 'x.y', account: 'acct_B', livemode: false })).toContain(
      'other-own',
    );
    expect(ids({ id: 'e', type: 'x.y', account: 'acct_B', livemode: false })).not.toContain(
      'acct-own',
    );
  });

  it('skips disabled endpoints and those without the event type enabled', () => {
    expect(ids({ id: 'e', type: 'payout.failed', livemode: false })).toEqual([
      'test-account',
      'payouts-only',
    ]);
  });

  it("does not count '*' for the types that must be chosen by name", () => {
    expect(
      ids({ id: 'e', type: 'identity.verification_session.redacted', livemode: false }),
    ).toEqual([]);
  });
});

describe('destinationsReceiving', () => {
  const destination = (id: string, over: Partial<RoutedDestination> = {}): RoutedDestination => ({
    id,
    status: 'enabled',
    enabled_events: ['v2.core.account.updated', 'customer.created'],
    livemode: false,
    event_payload: 'thin',
    events_from: ['@self'],
    ...over,
  });
  const all = [
    destination('thin-self'),
    destination('thin-accounts', { events_from: ['@accounts'] }),
    destination('thin-both', { events_from: ['@self', '@accounts'] }),
    destination('thin-live', { livemode: true }),
    destination('thin-disabled', { status: 'disabled' }),
    destination('thin-other-type', { enabled_events: ['v2.core.account.created'] }),
    destination('snapshot-self', { event_payload: 'snapshot' }),
  ];
  const ids = (event: Parameters<typeof destinationsReceiving>[0]) =>
    destinationsReceiving(event, all).map((d) => d.id);

  it("sends the platform's v2 events to thin @self destinations of their mode and type", () => {
    expect(
      ids({ id: 'e', object: 'v2.core.event', type: 'v2.core.account.updated', livemode: false }),
    ).toEqual(['thin-self', 'thin-both']);
  });

  it("sends a connected account's v2 events to thin @accounts destinations", () => {
    expect(
      ids({
        id: 'e',
        object: 'v2.core.event',
        type: 'v2.core.account.updated',
        account: 'acct_A',
        livemode: false,
      }),
    ).toEqual(['thin-accounts', 'thin-both']);
  });

  it('sends v1 events to snapshot destinations only', () => {
    expect(ids({ id: 'e', object: 'event', type: 'customer.created', livemode: false })).toEqual([
      'snapshot-self',
    ]);
  });
});
