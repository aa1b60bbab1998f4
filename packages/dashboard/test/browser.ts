import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core. Never a downloaded browser: CI installs the
 * `chromium` package with apt (.ci/run); CHROMIUM_PATH points elsewhere if needed.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}. The dashboard's browser test needs Debian's ` +
        `chromium package: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
  // A fresh profile for every run (crash reports and caches go there, not to $HOME).
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--crash-dumps-dir=${profile}`,
    ],
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Screenshots of the main pages, as test artifacts (and docs/screenshots with UPDATE_SCREENSHOTS=1). */
export async function screenshot(page: Page, root: string, name: string): Promise<void> {
  const dirs = [join(root, 'test-artifacts', 'dashboard')];
  if (process.env.UPDATE_SCREENSHOTS) dirs.push(join(root, 'docs', 'screenshots'));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({
      path: join(dir, `${name}.png`),
      fullPage: true,
      animations: 'disabled',
    });
  }
}
