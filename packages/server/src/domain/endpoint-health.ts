/**
 * Auto-disable of dead endpoints. Stripe warns by email, then disables an endpoint that has failed
 * for nine consecutive days without a success; the streak ends at the first 2xx.
 */
export interface HealthPolicy {
  disableAfterMs: number;
  /** A warning is logged once when a failure streak gets this old. */
  warnAfterMs: number;
}

export const defaultHealthPolicy: HealthPolicy = {
  disableAfterMs: 9 * 86_400_000,
  warnAfterMs: 3 * 86_400_000,
};

export interface EndpointHealth {
  /** Start of the current failure streak; null while the endpoint succeeds. */
  failingSince: number | null;
  warnedAt: number | null;
}

export type HealthDecision =
  | { kind: 'healthy'; health: EndpointHealth }
  | { kind: 'failing'; health: EndpointHealth; warn: boolean; disableAt: number }
  | { kind: 'disable'; health: EndpointHealth };

export function afterSuccess(): EndpointHealth {
  return { failingSince: null, warnedAt: null };
}

export function afterFailure(
  health: EndpointHealth,
  now: number,
  policy: HealthPolicy,
): HealthDecision {
  const failingSince = health.failingSince ?? now;
  const disableAt = failingSince + policy.disableAfterMs;
  if (now >= disableAt)
    return { kind: 'disable', health: { failingSince, warnedAt: health.warnedAt } };
  const warn = health.warnedAt === null && now - failingSince >= policy.warnAfterMs;
  return {
    kind: 'failing',
    health: { failingSince, warnedAt: warn ? now : health.warnedAt },
    warn,
    disableAt,
  };
}
