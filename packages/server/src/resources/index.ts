import type { Resource } from '../api/route.js';
import { accounts } from './accounts.js';
import { customers } from './customers.js';
import { events } from './events.js';
import { sandboxes } from './sandboxes.js';
import { webhookEndpoints } from './webhook-endpoints.js';

/** Every emulated resource. Adding one is a new file here and a line in this list. */
export const resources: Resource[] = [accounts, customers, events, webhookEndpoints, sandboxes];
