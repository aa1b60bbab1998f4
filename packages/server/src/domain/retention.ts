/**
 * The first unix second of the events still kept: events created before it are past retention
 * (`--event-retention-days`), no longer listed, retrieved or resent, and deleted by housekeeping.
 */
export const retentionStart = (nowMs: number, days: number): number =>
  Math.floor(nowMs / 1000) - days * 86_400;
