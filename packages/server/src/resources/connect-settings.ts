import { errors } from '../stripe/errors.js';
import { array, isHttpUrl, string } from '../stripe/params.js';
import { get, post, type Caller, type Resource } from './route.js';
import {
  findPlatform,
  setRedirectUris,
  type PlatformRow,
} from '../storage/repositories/platforms.js';

/** Most redirect URIs a platform registers. */
const MAX_REDIRECT_URIS = 20;

function render(platform: PlatformRow, url: string, uris?: readonly string[]) {
  return {
    object: 'connect_settings' as const,
    /** The Connect application: the `client_id` of the platform's OAuth links. */
    application: platform.application_id,
    redirect_uris: uris ?? (JSON.parse(platform.redirect_uris) as string[]),
    url,
  };
}

function checkRedirectUris(uris: readonly string[], caller: Caller): string[] {
  if (uris.length > MAX_REDIRECT_URIS)
    throw errors.parameterInvalid(
      'redirect_uris',
      `Invalid redirect_uris: at most ${MAX_REDIRECT_URIS} redirect URIs can be registered.`,
    );
  uris.forEach((uri, i) => {
    const param = `redirect_uris[${i}]`;
    if (!isHttpUrl(uri) || uri.includes('#'))
      throw errors.parameterInvalid(
        param,
        `Invalid redirect URI '${uri.slice(0, 200)}': give an absolute http or https URL without a fragment.`,
        'url_invalid',
      );
    // As on Stripe, a live-mode redirect must be secure (a man in the middle would read the code).
    if (caller.livemode && new URL(uri).protocol !== 'https:')
      throw errors.parameterInvalid(
        param,
        `Invalid redirect URI '${uri.slice(0, 200)}': live mode redirect URIs must use https.`,
        'url_invalid',
      );
  });
  return [...new Set(uris)];
}

/**
 * The platform's Connect settings (Switchboard's API; Stripe has them in its Dashboard, under
 * Connect > Settings > OAuth): the redirect URIs `/oauth/authorize` may send the browser back to.
 * `redirect_uris` replaces the list; `redirect_uris=` empties it. The first is the default, used
 * when an authorize link has no `redirect_uri`.
 */
export const connectSettings: Resource = {
  name: 'connect_settings',
  routes: [
    get(
      '/v1/switchboard/connect_settings',
      {},
      // Read again: the caller's platform row may come from the key cache, up to 5 s old.
      async ({ db, caller, url }) =>
        render((await findPlatform(db, caller.platform.id)) ?? caller.platform, url),
      { callers: 'platform' },
    ),
    post(
      '/v1/switchboard/connect_settings',
      { redirect_uris: array(string({ maxLength: 2000 }), { max: 100 }) },
      async ({ w, caller, params, url }) => {
        if (params.redirect_uris === undefined)
          return render((await findPlatform(w.db, caller.platform.id)) ?? caller.platform, url);
        const uris = checkRedirectUris(params.redirect_uris, caller);
        await setRedirectUris(w.db, caller.platform.id, uris);
        return render(caller.platform, url, uris);
      },
      { callers: 'platform' },
    ),
  ],
};
