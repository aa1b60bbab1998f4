// The built dashboard ships in a package of its own, a dependency of this one.
import { dashboardDir } from '@switchboard/dashboard';
import type { Mount } from '../app.js';
import type { Services } from '../services/context.js';
import { LiveFeed } from './live-feed.js';
import { dashboardStatic } from './static.js';
import { streamMount } from './stream.js';

/** The dashboard's mounts: the live stream and the built SPA. `close` ends open streams. */
export function dashboardMounts(
  services: Services,
  options: { dir?: string } = {},
): { mounts: Mount[]; close(): void; recheck(): Promise<void> } {
  const feed = new LiveFeed(services.dialect.db, services.log);
  const stream = streamMount(services, feed);
  return {
    mounts: [stream, dashboardStatic(options.dir ?? dashboardDir)],
    close() {
      stream.close();
      feed.close();
    },
    recheck: () => stream.recheck(),
  };
}
