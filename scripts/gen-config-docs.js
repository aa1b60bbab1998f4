// Writes docs/config.md from the one config schema (packages/server/src/config/schema.ts).
// Run after `npm run build`: `node scripts/gen-config-docs.js`. A test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../packages/server/dist/config/docs.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigDocs());
console.log('wrote docs/config.md');
