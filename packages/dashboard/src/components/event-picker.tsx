import { useId, useMemo, useState } from 'react';
import { useEventTypes } from '../lib/event-types';

/**
 * Picks `enabled_events`: search across every event type, tick types or whole groups, or choose
 * all events (`*`). Plain checkboxes, so it works with the keyboard and screen readers.
 */
export function EventPicker({
  value,
  onChange,
}: {
  value: string[];
  onChange(next: string[]): void;
}) {
  const [search, setSearch] = useState('');
  const id = useId();
  const known = useEventTypes()?.enabled_events;
  const all = value.includes('*');
  const selected = new Set(value);
  const groups = useMemo(() => {
    const q = search.trim().toLowerCase();
    const map = new Map<string, string[]>();
    for (const t of known ?? []) {
      if (q && !t.includes(q)) continue;
      const group = t.split('.')[0]!;
      map.set(group, [...(map.get(group) ?? []), t]);
    }
    return [...map.entries()];
  }, [search, known]);
  const count = groups.reduce((n, [, types]) => n + types.length, 0);

  const toggle = (types: string[], on: boolean) => {
    const next = new Set(value.filter((v) => v !== '*'));
    for (const t of types) {
      if (on) next.add(t);
      else next.delete(t);
    }
    onChange([...next]);
  };

  return (
    <fieldset className="event-picker">
      <legend>Events to send</legend>
      <label className="check">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => onChange(e.target.checked ? ['*'] : [])}
        />
        <span>
          All events <code>*</code>
        </span>
      </label>
      {!all && (
        <>
          <div className="field">
            <label htmlFor={`${id}-search`}>Search event types</label>
            <input
              id={`${id}-search`}
              type="search"
              value={search}
              placeholder="e.g. payout, account.updated"
              onChange={(e) => setSearch(e.target.value)}
              aria-describedby={`${id}-count`}
            />
            <p id={`${id}-count`} className="hint" aria-live="polite">
              {known
                ? `${count} of ${known.length} types shown · ${value.length} selected`
                : 'Loading event types…'}
            </p>
          </div>
          <div className="event-groups" role="group" aria-label="Event types">
            {groups.map(([group, types]) => {
              const on = types.filter((t) => selected.has(t)).length;
              return (
                <div key={group} className="event-group">
                  <label className="check group-check">
                    <input
                      type="checkbox"
                      checked={on === types.length}
                      ref={(el) => {
                        if (el) el.indeterminate = on > 0 && on < types.length;
                      }}
                      onChange={(e) => toggle(types, e.target.checked)}
                    />
                    <span>
                      {group} <span className="muted">({types.length})</span>
                    </span>
                  </label>
                  <div className="event-types">
                    {types.map((t) => (
                      <label key={t} className="check">
                        <input
                          type="checkbox"
                          checked={selected.has(t)}
                          onChange={(e) => toggle([t], e.target.checked)}
                        />
                        <span>{t}</span>
                      </label>
                    ))}
                  </div>
                </div>
              );
            })}
            {groups.length === 0 && <p className="muted">No event type matches “{search}”.</p>}
          </div>
          {value.length > 0 && (
            <p className="selected-events">
              Selected: {value.slice(0, 8).join(', ')}
              {value.length > 8 ? ` and ${value.length - 8} more` : ''}
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
