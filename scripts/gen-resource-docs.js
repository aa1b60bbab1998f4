// Writes the decision table of docs/resources.md (which objects of Stripe's API are modelled,
// plain state or refused, and why) from the routes and resources/plain/. Run after
// `npm run build`: `node scripts/gen-resource-docs.js`. test/docs.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { resources } from '../packages/server/dist/resources/index.js';
import { withDecisions } from '../packages/server/dist/resources/plain/decisions.js';

const file = new URL('../docs/resources.md', import.meta.url);
writeFileSync(file, withDecisions(readFileSync(file, 'utf8'), resources));
console.log('wrote the decision table of docs/resources.md');
