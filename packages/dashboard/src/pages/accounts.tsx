import { useState } from 'react';
import { Command, Empty, Loading, Notice, PageHeader, Pager } from '../components/ui';
import { Badge } from '../components/ui';
import { messageOf } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { useAsync } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link, navigate } from '../lib/router';
import { useApi } from '../lib/session';
import type { ConnectedAccount, List } from '../lib/types';

/** What a connected account is called: its business name or email, if it has either. */
export const accountName = (a: ConnectedAccount): string | null =>
  a.business_profile?.name ?? a.email ?? null;

export function Accounts() {
  const api = useApi();
  const [cursor, setCursor] = useState<{ starting_after?: string; ending_before?: string }>({});
  const accounts = useAsync(
    () => api.get<List<ConnectedAccount>>('/v1/accounts', { limit: 20, ...cursor }),
    [api.key, cursor],
  );
  const [type, setType] = useState('express');
  const [error, setError] = useState<string | null>(null);
  useLive((m) => {
    if (m.kind === 'event' && m.data.type.startsWith('account.') && !cursor.starting_after)
      accounts.reload();
  });

  async function create() {
    try {
      const a = await api.post<ConnectedAccount>('/v1/accounts', {
        type,
        country: 'US',
        email: 'jenny.rosen@example.com',
        ...(type === 'custom'
          ? {
              business_type: 'company',
              capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
            }
          : {}),
      });
      navigate(`/accounts/${a.id}`);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  const rows = accounts.data?.data ?? [];
  return (
    <div>
      <PageHeader
        title="Connected accounts"
        subtitle="Accounts connected to the platform. Open one to see its events and trigger the seed’s events for it."
        actions={
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <label htmlFor="new-account-type">Type</label>
            <select id="new-account-type" value={type} onChange={(e) => setType(e.target.value)}>
              <option value="express">Express</option>
              <option value="custom">Custom</option>
              <option value="standard">Standard</option>
            </select>
            <button type="submit" className="button primary">
              + Create test account
            </button>
          </form>
        }
      />
      {error && <Notice tone="error">{error}</Notice>}
      {accounts.error && <Notice tone="error">{accounts.error}</Notice>}
      {!accounts.data && !accounts.error && <Loading what="connected accounts" />}
      {accounts.data && rows.length === 0 && (
        <Empty title="No connected accounts yet">
          <p>
            Create one with the button above, or with the API, then trigger events for it from its
            page:
          </p>
          <Command>
            {'curl -u sk_test_...: http://127.0.0.1:12111/v1/accounts -d type=express'}
          </Command>
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Connected accounts</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Type</th>
                <th scope="col">Charges</th>
                <th scope="col">Payouts</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/accounts/${a.id}`} className="strong">
                      {accountName(a) ?? <code>{a.id}</code>}
                    </Link>
                    {/* The id under the name; an account without one shows its id once. */}
                    {accountName(a) && (
                      <div className="muted small">
                        <code>{a.id}</code>
                      </div>
                    )}
                  </td>
                  <td>{a.type ?? '—'}</td>
                  <td>
                    <Badge tone={a.charges_enabled ? 'good' : 'neutral'}>
                      {a.charges_enabled ? 'Enabled' : 'Not enabled'}
                    </Badge>
                  </td>
                  <td>
                    <Badge tone={a.payouts_enabled ? 'good' : 'neutral'}>
                      {a.payouts_enabled ? 'Enabled' : 'Not enabled'}
                    </Badge>
                  </td>
                  <td className="nowrap">{a.created ? formatDateTime(a.created) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        hasPrevious={
          cursor.ending_before ? (accounts.data?.has_more ?? false) : !!cursor.starting_after
        }
        hasNext={cursor.ending_before ? true : (accounts.data?.has_more ?? false)}
        onPrevious={() => setCursor({ ending_before: rows[0]?.id })}
        onNext={() => setCursor({ starting_after: rows[rows.length - 1]?.id })}
      />
    </div>
  );
}
