import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../lib/hooks';
import { useApi } from '../lib/session';
import type { Chaos } from '../lib/types';
import { Badge, Notice } from './ui';

const fields = [
  {
    key: 'duplicate_percent',
    label: 'Duplicate',
    unit: '%',
    max: 100,
    hint: 'Sent again after it succeeded.',
  },
  {
    key: 'fail_first_attempt_percent',
    label: 'Fail first',
    unit: '%',
    max: 100,
    hint: 'First attempt fails unsent; a retry follows.',
  },
  {
    key: 'delay_percent',
    label: 'Delay',
    unit: '%',
    max: 100,
    hint: 'Held before it is sent…',
  },
  { key: 'delay_seconds', label: 'Delay by', unit: 's', max: 3600, hint: '…for this long.' },
  {
    key: 'reorder_window_seconds',
    label: 'Reorder window',
    unit: 's',
    max: 600,
    hint: 'Deliveries within it arrive newest first.',
  },
] as const;

type Key = (typeof fields)[number]['key'];

/**
 * An endpoint's chaos delivery settings (off by default), to test a receiver's idempotency and
 * ordering assumptions: what each does, the form to change them, and turning them off.
 */
export function ChaosCard({ endpointId }: { endpointId: string }) {
  const api = useApi();
  const path = `/v1/switchboard/webhook_endpoints/${endpointId}/chaos`;
  const chaos = useAsync(() => api.get<Chaos>(path), [api.key, path]);
  const [draft, setDraft] = useState<Record<Key, string> | null>(null);
  const { message, busy, act } = useAction();
  useEffect(() => {
    if (chaos.data)
      setDraft(
        Object.fromEntries(fields.map((f) => [f.key, String(chaos.data![f.key])])) as Record<
          Key,
          string
        >,
      );
  }, [chaos.data]);

  const save = (off: boolean) =>
    act(async () => {
      const saved = off
        ? await api.del<Chaos>(path)
        : await api.post<Chaos>(
            path,
            Object.fromEntries(fields.map((f) => [f.key, Number(draft![f.key] || 0)])),
          );
      chaos.reload();
      return saved.enabled ? `Chaos delivery: ${saved.summary}.` : 'Chaos delivery is off.';
    });

  return (
    <section className="card" aria-labelledby="chaos-title">
      <div className="card-header">
        <h2 id="chaos-title">Chaos delivery</h2>
        {chaos.data &&
          (chaos.data.enabled ? (
            <Badge tone="warn">On: {chaos.data.summary}</Badge>
          ) : (
            <Badge tone="neutral">Off</Badge>
          ))}
      </div>
      <p className="hint">
        Tests your receiver’s idempotency and ordering: shares of deliveries (picked by delivery)
        sent twice, failed once, held, or reordered. Each attempt it touches says so in the log.
      </p>
      {chaos.error && <Notice tone="error">{chaos.error}</Notice>}
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      {draft && (
        <form
          className="chaos-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(false);
          }}
        >
          {fields.map((f) => (
            <div className="field" key={f.key}>
              <label htmlFor={`chaos-${f.key}`}>
                {f.label} ({f.unit})
              </label>
              <input
                id={`chaos-${f.key}`}
                type="number"
                min={f.key === 'delay_seconds' ? 1 : 0}
                max={f.max}
                value={draft[f.key]}
                aria-describedby={`chaos-${f.key}-hint`}
                onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
              />
              <p className="hint" id={`chaos-${f.key}-hint`}>
                {f.hint}
              </p>
            </div>
          ))}
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy}>
              Save chaos settings
            </button>
            <button
              type="button"
              className="button"
              disabled={busy || !chaos.data?.enabled}
              onClick={() => void save(true)}
            >
              Turn off
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
