import { useEffect, useRef, useState } from 'react';
import { DeliveryBadge } from '../components/status';
import { Command, Empty, Loading, Notice, PageHeader, Pager } from '../components/ui';
import { useEventTypes } from '../lib/event-types';
import {
  eventAccount,
  eventCreated,
  formatDateTime,
  scopeLabel,
  triggerCommand,
} from '../lib/format';
import { useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link, navigate, useLocation, withQuery } from '../lib/router';
import { effectiveMode, setSession, useApi, useSession, type Mode } from '../lib/session';
import type { AnyEvent, ConnectedAccount, List } from '../lib/types';

const PAGE = 20;
/** How long typing in the Type filter pauses before the list follows. */
const TYPE_DEBOUNCE_MS = 350;

export const eventLink = (e: { id: string }): string => `/events/${e.id}`;

export function Events() {
  const api = useApi();
  const session = useSession();
  const known = useEventTypes();
  const { query } = useLocation();
  const filters = {
    // '' for v1 (snapshot) events, 'v2' for v2 (thin) events.
    api: query.get('api') === 'v2' ? 'v2' : '',
    type: query.get('type') ?? '',
    account: query.get('account') ?? '',
    status: query.get('status') ?? '',
    starting_after: query.get('starting_after') ?? '',
    ending_before: query.get('ending_before') ?? '',
  };
  const firstPage = !filters.starting_after && !filters.ending_before;
  const [typeDraft, setTypeDraft] = useState(filters.type);
  // Follows the URL (back, Clear filters), but leaves alone what the user is typing.
  useEffect(() => {
    setTypeDraft((draft) => (draft.trim() === filters.type ? draft : filters.type));
  }, [filters.type]);
  // The type filter applies as the user types, once typing pauses (Enter applies it at once).
  const applyType = useDebounced(() => {
    const type = typeDraft.trim();
    if (type !== filters.type) set({ type });
  }, TYPE_DEBOUNCE_MS);

  const events = useAsync(
    () =>
      api.get<List<AnyEvent>>('/v1/switchboard/events', {
        limit: PAGE,
        object: filters.api === 'v2' ? 'v2.core.event' : undefined,
        type: filters.type || undefined,
        account: filters.account || undefined,
        delivery_status: filters.status || undefined,
        starting_after: filters.starting_after || undefined,
        ending_before: filters.ending_before || undefined,
      }),
    [api.key, filters],
  );
  const accounts = useAsync(
    () => api.get<List<ConnectedAccount>>('/v1/accounts', { limit: 100 }),
    [api.key],
  );

  // Rows that arrived through the live stream are marked for a moment.
  const filterKey = JSON.stringify(filters);
  const seen = useRef<{ key: string; ids: Set<string> } | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!events.data) return;
    const rows = events.data.data;
    if (seen.current?.key === filterKey && firstPage) {
      const added = rows.filter((r) => !seen.current!.ids.has(r.id)).map((r) => r.id);
      if (added.length > 0) setFresh(new Set(added));
    } else {
      setFresh(new Set());
    }
    seen.current = { key: filterKey, ids: new Set(rows.map((r) => r.id)) };
  }, [events.data, firstPage, filterKey]);

  const refresh = useDebounced(events.reload, 300);
  const refreshAccounts = useDebounced(accounts.reload, 300);
  useLive((m) => {
    if (firstPage) refresh();
    // A new connected account becomes a choice of the account filter.
    const acct = m.data.account;
    if (acct && accounts.data && !accounts.data.data.some((a) => a.id === acct)) refreshAccounts();
  });

  const set = (changes: Partial<typeof filters>) =>
    navigate(
      withQuery('/events', { ...filters, starting_after: '', ending_before: '', ...changes }),
    );

  const rows = events.data?.data ?? [];
  const hasMore = events.data?.has_more ?? false;
  const mode = effectiveMode(session);
  const filtered = filters.type || filters.account || filters.status;

  return (
    <div>
      <PageHeader
        title="Events"
        subtitle="Every event of the platform and its connected accounts, newest first, with how its deliveries went."
      />
      <form
        className="filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          set({ type: typeDraft.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="filter-api">Events</label>
          <select
            id="filter-api"
            value={filters.api}
            onChange={(e) => set({ api: e.target.value, type: '' })}
          >
            <option value="">v1: snapshot events</option>
            <option value="v2">v2: thin events</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="filter-type">Type</label>
          <input
            id="filter-type"
            list="event-type-list"
            placeholder="e.g. customer.* or payout.failed"
            value={typeDraft}
            onChange={(e) => {
              setTypeDraft(e.target.value);
              applyType();
            }}
          />
          <datalist id="event-type-list">
            {((filters.api === 'v2' ? known?.thin_events : known?.enabled_events) ?? []).map(
              (t) => (
                <option key={t} value={t} />
              ),
            )}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="filter-account">Connected account</label>
          <select
            id="filter-account"
            value={filters.account}
            onChange={(e) => set({ account: e.target.value })}
          >
            <option value="">All: yours and connected</option>
            <option value="platform">Your account only</option>
            <option value="connected">Any connected account</option>
            {(accounts.data?.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.id}
                {a.business_profile?.name ? ` · ${a.business_profile.name}` : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-mode">Mode</label>
          <select
            id="filter-mode"
            value={mode}
            disabled={session.sandbox !== null}
            onChange={(e) => setSession((s) => ({ ...s, mode: e.target.value as Mode }))}
          >
            <option value="test">Test</option>
            <option value="live">Live</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">Delivery status</label>
          <select
            id="filter-status"
            value={filters.status}
            onChange={(e) => set({ status: e.target.value })}
          >
            <option value="">Any</option>
            <option value="delivered">Delivered</option>
            <option value="pending">Pending</option>
            <option value="retrying">Retrying</option>
            <option value="failed">Failed</option>
            <option value="none">No endpoints</option>
          </select>
        </div>
        <button type="submit" className="visually-hidden">
          Apply filters
        </button>
      </form>

      {events.error && <Notice tone="error">{events.error}</Notice>}
      {!events.data && !events.error && <Loading what="events" />}
      {events.data && rows.length === 0 && (
        <Empty
          title={
            filtered
              ? 'No events match these filters'
              : filters.api === 'v2'
                ? 'No v2 events yet'
                : 'No events yet'
          }
        >
          {filtered ? (
            <p>
              <button
                type="button"
                className="button"
                onClick={() => navigate(withQuery('/events', { api: filters.api }))}
              >
                Clear filters
              </button>
            </p>
          ) : filters.api === 'v2' ? (
            <p>
              v2 Accounts (<code>stripe.v2.core.accounts.create</code>) send thin events such as{' '}
              <code>v2.core.account.created</code> to event destinations; an event destination’s
              ping sends one too.
            </p>
          ) : (
            <>
              <p>Events appear here the moment they happen. Trigger one:</p>
              <Command>{triggerCommand('customer.created')}</Command>
              <p>
                or, for a connected account, open <Link to="/accounts">Connected accounts</Link> and
                trigger the seed’s events.
              </p>
            </>
          )}
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          {/* On a narrow screen each row stacks into a card (.stack); the roles keep it a table. */}
          <table className="table stack" role="table">
            <caption className="visually-hidden">Events</caption>
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader">
                  Event
                </th>
                <th scope="col" role="columnheader">
                  From
                </th>
                <th scope="col" role="columnheader">
                  Delivery
                </th>
                <th scope="col" role="columnheader">
                  Created
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {rows.map((e) => (
                <tr
                  key={e.id}
                  role="row"
                  className={fresh.has(e.id) ? 'fresh' : undefined}
                  data-event={e.id}
                >
                  <td role="cell" data-label="Event">
                    <div>
                      <Link to={eventLink(e)} className="strong">
                        {e.type}
                      </Link>
                      <div className="muted small">
                        <code>{e.id}</code>
                      </div>
                    </div>
                  </td>
                  <td role="cell" data-label="From">
                    {scopeLabel(eventAccount(e))}
                  </td>
                  <td role="cell" data-label="Delivery">
                    <DeliveryBadge status={e.delivery_status} />
                  </td>
                  <td role="cell" data-label="Created" className="nowrap">
                    {formatDateTime(eventCreated(e))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        hasPrevious={filters.ending_before ? hasMore : !firstPage}
        hasNext={filters.ending_before ? rows.length > 0 : hasMore}
        onPrevious={() =>
          navigate(
            withQuery('/events', { ...filters, starting_after: '', ending_before: rows[0]?.id }),
          )
        }
        onNext={() =>
          navigate(
            withQuery('/events', {
              ...filters,
              ending_before: '',
              starting_after: rows[rows.length - 1]?.id,
            }),
          )
        }
      />
    </div>
  );
}
