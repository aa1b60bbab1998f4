/** A rolled secret that still signs until `expires_ms`. */
export interface PreviousSecret {
  secret: string;
  expires_ms: number;
}

/**
 * Secrets that sign a delivery now: the current one, then rolled ones not yet expired. Each signs
 * its own `v1`, so receivers holding either secret verify during the overlap.
 */
export function activeSecrets(current: string, previousJson: string, now: number): string[] {
  const previous = JSON.parse(previousJson) as PreviousSecret[];
  return [current, ...previous.filter((p) => p.expires_ms > now).map((p) => p.secret)];
}
