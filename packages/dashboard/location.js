import { fileURLToPath } from 'node:url';

/** The built dashboard (index.html and assets/), which `switchboard serve` serves at /dashboard. */
export const dashboardDir = fileURLToPath(new URL('./dist/', import.meta.url));
