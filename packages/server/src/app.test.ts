import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientWentAway } from './app.js';

const reset = Object.assign(new Error('connect ECONNRESET 127.0.0.1:5432'), { code: 'ECONNRESET' });
/** A request whose body was read: Node has destroyed it (auto-destroy), its socket may be open. */
const request = (readableAborted: boolean, socketDestroyed: boolean) => ({
  readableAborted,
  destroyed: true,
  socket: { destroyed: socketDestroyed } as Socket,
});

describe('clientWentAway', () => {
  it('is a body cut short, or a reset of the request socket', () => {
    expect(clientWentAway(request(true, true), new Error('aborted'))).toBe(true);
    expect(clientWentAway(request(false, true), reset)).toBe(true);
  });

  it('is not a database connection reset while the client waits on an open socket', () => {
    // The body was read (the request is auto-destroyed), then PostgreSQL restarted.
    expect(clientWentAway(request(false, false), reset)).toBe(false);
    expect(clientWentAway(request(false, true), new Error('boom'))).toBe(false);
  });
});
