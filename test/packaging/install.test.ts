import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const dist = join(root, 'packages-dist');
const TEST_KEY = 'sk_test_packaging_0001';

/**
 * What a user does with the tarballs (`npm run package`): install them globally into a prefix of
 * their own, as npm installs them (better-sqlite3 included), and use the `switchboard` command
 * and @switchboard/testing from another directory. Slow (npm builds better-sqlite3 from source
 * when no prebuilt binary can be fetched): `.ci/run` runs it with `npm run test:packaging`.
 */
describe('the packages a user installs', () => {
  let dir: string;
  let prefix: string;
  let work: string;
  let installLog = '';
  /** npm without the variables `npm run` set for the repository. */
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)),
  );

  beforeAll(async () => {
    await run('npm', ['run', 'package', '--silent'], { cwd: root, env, maxBuffer: 1 << 24 });
    dir = mkdtempSync(join(tmpdir(), 'switchboard-packaging-'));
    prefix = join(dir, 'prefix');
    work = join(dir, 'somewhere-else');
    mkdirSync(work);
    const tarballs = readdirSync(dist)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => `./packages-dist/${f}`);
    // The README's command, into a prefix of its own; --loglevel http shows every registry request.
    const installed = await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--loglevel', 'http', ...tarballs],
      { cwd: root, env: { ...env, JOBS: 'max' }, maxBuffer: 1 << 26 },
    );
    installLog = installed.stdout + installed.stderr;
  }, 1_200_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const manifest = (tgz: string) =>
    run('tar', ['xzf', join(dist, tgz), '-O', 'package/package.json']).then(
      (r) => JSON.parse(r.stdout) as Record<string, unknown> & { name: string; version: string },
    );

  it('packs every workspace but the private ones, each publishable, with a README and the licence', async () => {
    const files = readdirSync(dist).sort();
    expect(files).toEqual([
      'switchboard-0.1.0.tgz',
      'switchboard-dashboard-0.1.0.tgz',
      'switchboard-sdk-0.1.0.tgz',
      'switchboard-server-0.1.0.tgz',
      'switchboard-testing-0.1.0.tgz',
    ]);
    const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
    const versions = new Map<string, string>();
    for (const tgz of files) {
      const m = await manifest(tgz);
      versions.set(m.name, m.version);
      expect(m.private, m.name).toBeUndefined();
      expect(m.license, m.name).toBe('MIT');
      expect(m.exports, m.name).toBeDefined();
      expect(m.files, m.name).toBeDefined();
      const entries = (await run('tar', ['tzf', join(dist, tgz)])).stdout.split('\n');
      expect(entries, m.name).toContain('package/README.md');
      const packed = (await run('tar', ['xzf', join(dist, tgz), '-O', 'package/LICENSE'])).stdout;
      expect(packed, m.name).toBe(licence);
      expect(
        entries.filter((e) => /\/(src|test)\/|\.test\.js$/.test(e)),
        m.name,
      ).toEqual([]);
    }
    // Packages depend on each other at the exact versions packed together.
    for (const tgz of files) {
      const deps = ((await manifest(tgz)).dependencies ?? {}) as Record<string, string>;
      for (const [name, range] of Object.entries(deps))
        if (versions.has(name)) expect(range, `${name} in ${tgz}`).toBe(versions.get(name));
    }
    const dashboard = (await run('tar', ['tzf', join(dist, 'switchboard-dashboard-0.1.0.tgz')]))
      .stdout;
    expect(dashboard).toContain('package/dist/index.html');
  });

  it('installs from the tarballs together without asking the registry for any of them', () => {
    expect(installLog).toMatch(/added \d+ packages/);
    const lookups = installLog
      .split('\n')
      .filter((l) => /registry\.npmjs\.org\/(@switchboard|switchboard)\b/.test(l));
    expect(lookups).toEqual([]);
    // better-sqlite3 was installed as npm installs it: its native module is there.
    const native = join(prefix, 'lib/node_modules/@switchboard/server/node_modules/better-sqlite3');
    expect(existsSync(join(native, 'build/Release/better_sqlite3.node'))).toBe(true);
  });

  it('switchboard --version prints the version', async () => {
    const { stdout } = await run(join(prefix, 'bin/switchboard'), ['--version'], { cwd: work });
    expect(stdout.trim()).toBe(
      JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version,
    );
  });

  describe('switchboard serve, started from another directory', () => {
    let serve: ChildProcess;
    let url: string;
    let receiver: Server;
    const received: Stripe.Event[] = [];
    let secret = '';

    beforeAll(async () => {
      serve = spawn(join(prefix, 'bin/switchboard'), ['serve', '--port', '0'], {
        cwd: work,
        env: { ...env, SWITCHBOARD_TEST_KEY: TEST_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          // The official package verifies the delivery.
          received.push(
            new Stripe(TEST_KEY).webhooks.constructEvent(
              body,
              req.headers['stripe-signature'] as string,
              secret,
            ),
          );
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    }, 60_000);
    afterAll(async () => {
      serve?.kill('SIGTERM');
      await new Promise<void>((r) => receiver?.close(() => r()));
    });

    it('keeps its SQLite database under that directory', () => {
      expect(existsSync(join(work, '.switchboard/switchboard.db'))).toBe(true);
    });

    it('delivers a customer.created to a webhook endpoint, verified with the official stripe package', async () => {
      const { port } = new URL(url);
      const stripe = new Stripe(TEST_KEY, { host: '127.0.0.1', port, protocol: 'http' });
      const endpoint = await stripe.webhookEndpoints.create({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`,
        enabled_events: ['customer.created'],
      });
      secret = endpoint.secret!;
      const customer = await stripe.customers.create({ email: 'jenny@example.com' });
      const deadline = Date.now() + 15_000;
      while (received.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      expect(received[0]!.type).toBe('customer.created');
      expect((received[0]!.data.object as Stripe.Customer).id).toBe(customer.id);
    });

    it("serves the dashboard's HTML and its assets from the installed packages", async () => {
      const page = await fetch(`${url}/dashboard/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)![1]!;
      const asset = await fetch(url + script);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
    });
  });

  it('@switchboard/testing, installed, starts a server and hands out verified deliveries', async () => {
    const kit = join(prefix, 'lib/node_modules/@switchboard/testing/dist/index.js');
    const script = join(work, 'kit.mjs');
    writeFileSync(
      script,
      `import { startSwitchboard } from ${JSON.stringify(kit)};
const sb = await startSwitchboard();
try {
  await sb.webhooks.endpoint();
  await fetch(sb.url + '/v1/customers', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + sb.secretKey },
    body: new URLSearchParams({ email: 'kit@example.com' }),
  });
  const { event } = await sb.webhooks.next('customer.created');
  const now = await sb.clock.advance('1d');
  console.log(JSON.stringify({ email: event.data.object.email, now: now.getTime() }));
} finally {
  await sb.close();
}
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: work, env });
    const out = JSON.parse(stdout) as { email: string; now: number };
    expect(out.email).toBe('kit@example.com');
    expect(out.now).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  }, 120_000);
});
