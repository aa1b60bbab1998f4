/**
 * "Did you mean ...?" for a mistyped name (an event type in `enabled_events`): the candidates
 * within a few edits of it, closest first, else those of the same group (the part before the
 * first dot), as `switchboard trigger` suggests.
 */
export function suggestions(word: string, candidates: Iterable<string>, max = 3): string[] {
  const typed = word.trim().toLowerCase();
  // A typo is a few edits: two in a short name, one more per 8 characters (customer.craeted: 2).
  const limit = 2 + Math.floor(typed.length / 8);
  const near: Array<{ name: string; distance: number }> = [];
  const sameGroup: string[] = [];
  const group = typed.split('.')[0];
  for (const name of candidates) {
    const distance = editDistance(typed, name.toLowerCase(), limit);
    if (distance <= limit) near.push({ name, distance });
    else if (name.split('.')[0] === group) sameGroup.push(name);
  }
  if (near.length > 0) {
    near.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
    return near.slice(0, max).map((n) => n.name);
  }
  return sameGroup.slice(0, max);
}

/** ` Did you mean a, b or c?`, or '' when there is nothing to suggest. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const names = suggestions(word, candidates);
  if (names.length === 0) return '';
  const list =
    names.length === 1
      ? names[0]
      : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return ` Did you mean ${list}?`;
}

/** Levenshtein distance (adjacent swaps count 1), giving up past `limit` (then limit + 1). */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = row;
  }
  return previous[b.length]!;
}
