import { toNodeListener } from '@switchboard/sdk';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { ConnectServerConfig } from './config.js';
import { createHandler, type Log } from './handlers.js';
import { AccountStore } from './store.js';

export interface ConnectServer {
  url: string;
  port: number;
  store: AccountStore;
  close(): Promise<void>;
}

/** The official client, pointed at `apiBase` (Stripe, or a Switchboard). */
export function stripeClient(config: Pick<ConnectServerConfig, 'secretKey' | 'apiBase'>): Stripe {
  const base = new URL(config.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.secretKey, {
    host: base.hostname,
    port: base.port ? Number(base.port) : protocol === 'http' ? 80 : 443,
    protocol,
  });
}

/** Starts the receiver: `POST /webhook` takes the platform's Connect events. */
export async function startConnectServer(
  config: ConnectServerConfig,
  options: { log?: Log } = {},
): Promise<ConnectServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const store = new AccountStore(config.databasePath);
  const webhook = toNodeListener(
    createHandler({
      stripe: stripeClient(config),
      store,
      livemode: config.secretKey.includes('_live_'),
      webhookSecrets: config.webhookSecrets,
      log,
    }),
  );
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/webhook') {
      void webhook(req, res);
      return;
    }
    res.writeHead(path === '/health' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(path === '/health' ? '{"ok":true}' : '{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host}:${port}`,
    port,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}
