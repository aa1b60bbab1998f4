/** Where an event stands against the last one applied to the same object. */
export type EventOrder = 'newer' | 'older' | 'same' | 'same-second';

export interface OrderedEvent {
  id: string;
  /** Unix seconds. */
  created: number;
}

/**
 * Compares an event with the last one you applied to the same object (keep `{id, created}` next to
 * the object's row). Stripe does not deliver in order, so apply an event's snapshot only when it is
 * `newer`. `created` has one-second resolution: for `same-second` (and whenever it matters),
 * retrieve the object from the API and act on its current state instead of the snapshot.
 */
export function compareEventOrder(
  event: OrderedEvent,
  lastApplied: OrderedEvent | null | undefined,
): EventOrder {
  if (!lastApplied) return 'newer';
  if (event.id === lastApplied.id) return 'same';
  if (event.created > lastApplied.created) return 'newer';
  if (event.created < lastApplied.created) return 'older';
  return 'same-second';
}
