import { createHash } from 'node:crypto';

/**
 * A listen session's websocket id is the only credential on the websocket upgrade (the CLI sends
 * no Authorization header there), so it is random and long, and stored only as a hash.
 */
export const hashWebsocketId = (id: string): string =>
  `cliws:${createHash('sha256').update(id).digest('hex')}`;
