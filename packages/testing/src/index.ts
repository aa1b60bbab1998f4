/**
 * Switchboard for test suites: `const sb = await startSwitchboard()` starts a server for a test
 * file (in a child process, on a temporary database and a free port, with a manual clock), gives
 * the keys and stripe-node options, webhook endpoints whose verified deliveries a test awaits,
 * and the clock.
 * @module
 */
export {
  startSwitchboard,
  type ClockTime,
  type EndpointOptions,
  type KitEndpoint,
  type NextOptions,
  type StartOptions,
  type Switchboard,
} from './switchboard.js';
export type { Delivery, EventFor, Respond } from './receiver.js';
