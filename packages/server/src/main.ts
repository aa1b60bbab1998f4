import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp, type App, type Mount } from './app.js';
import { destinationPolicyWarning, type Config } from './config/schema.js';
import { dashboardMounts } from './dashboard/index.js';
import { isManualClock, manualClock, scaledClock, type Clock } from './domain/clock.js';
import { ChaosTransport } from './delivery/chaos.js';
import { HttpTransport } from './delivery/http-transport.js';
import { ThreadedHttpTransport } from './delivery/threaded-transport.js';
import type { Transport } from './delivery/transport.js';
import { DeliveryWorker, newWorkerId } from './delivery/worker.js';
import { policyOf, workerMode } from './delivery/worker-mode.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, metricsHandler } from './observability/switchboard-metrics.js';
import { probesHandler } from './observability/probes.js';
import { manualClockControl } from './services/clock-control.js';
import type { Services } from './services/context.js';
import { startHousekeeping, type Housekeeping } from './services/housekeeping.js';
import {
  ensureFirstPlatform,
  ensurePublishableKeys,
  publishableKeysOf,
  type StartupPlatform,
} from './services/platforms.js';
import { TaskRunner } from './services/scheduler.js';
import { resources } from './resources/index.js';
import { ListenHub } from './listen/hub.js';
import { authenticateMount } from './hosted/authenticate.js';
import { microdepositsMount } from './hosted/microdeposits.js';
import { expressDashboardMount } from './hosted/express-dashboard.js';
import { checkoutMount } from './hosted/checkout.js';
import { billingPortalMount } from './hosted/billing-portal.js';
import { identityMount } from './hosted/identity.js';
import { fileLinksMount } from './hosted/file-links.js';
import { paymentLinksMount } from './hosted/payment-links.js';
import { oauthAuthorizeMount } from './hosted/oauth-authorize.js';
import { onboardingMount } from './hosted/onboarding.js';
import { CREDENTIALS_REVOKED, ENDPOINTS_CHANGED, type Dialect } from './storage/dialect.js';
import { endpointsChanged } from './storage/repositories/endpoints.js';
import { openStorage } from './storage/open.js';

export interface Switchboard {
  /** The API's base URL, e.g. http://127.0.0.1:12111 (null for a worker-only process). */
  url: string | null;
  port: number | null;
  /** The port of the separate /metrics listener (--metrics-port), if any. */
  metricsPort: number | null;
  services: Services;
  worker: DeliveryWorker | null;
  app: App | null;
  startup: StartupPlatform;
  /** Deletes idempotency keys and events past retention: hourly, or now with `run()`. */
  housekeeping: Housekeeping;
  /** Stops accepting requests, lets deliveries in flight finish, closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Extra transports by endpoint kind (the listen sessions' websocket transport). */
  transports?: Record<string, Transport>;
  mounts?: Mount[];
}

/** The composition root: config -> storage -> platform -> roles (api, worker). */
export async function startSwitchboard(
  config: Config,
  options: StartOptions = {},
): Promise<Switchboard> {
  const log =
    options.log ??
    createLogger({
      level: config.logLevel,
      format: config.logFormat,
      write: (l) => process.stderr.write(l),
    });
  const dialect: Dialect = await openStorage(config.db, {
    poolSize: config.dbPoolSize,
    onConnectionError: (e) =>
      log.warn('database connection lost; reconnecting', { error: e.message }),
    onProblem: (why) => log.error(why),
  });
  const api = config.roles.includes('api');
  const runsWorker = config.roles.includes('worker');
  // SQLite: one process delivers from a database file. It claims without leases, which would let
  // a second delivering process send the same deliveries: that one refuses to start instead.
  if (runsWorker && dialect.lockDeliveries) {
    try {
      dialect.lockDeliveries();
    } catch (e) {
      await dialect.close();
      throw e;
    }
  }
  // SQLite serves one process best: split roles work (processes share the file) but nothing wakes
  // a worker in another process (no NOTIFY), and each process keeps its own endpoint limits.
  if (dialect.singleProcess && !(api && runsWorker)) {
    log.warn(
      'SQLite with separate api and worker processes: deliveries wait for the worker to look (up to 30 s) and endpoint limits are per process; use PostgreSQL for that',
      { roles: config.roles.join(',') },
    );
  }
  const clock =
    options.clock ?? (config.clock === 'manual' ? manualClock() : scaledClock(config.clockSpeed));
  const destinationWarning = destinationPolicyWarning(config);
  if (destinationWarning) log.warn(destinationWarning);
  // Several processes may start at once on one database: one of them creates the first platform.
  const startup = await dialect.exclusive('first-platform', async () => {
    const first = await ensureFirstPlatform(
      dialect.db,
      { testKey: config.testKey, liveKey: config.liveKey },
      clock.now(),
    );
    await ensurePublishableKeys(dialect.db, clock.now());
    return { ...first, publishable: await publishableKeysOf(dialect.db, first.platform.id) };
  });

  let worker: DeliveryWorker | null = null;
  let app: App | null = null;
  /** What ends listen sessions and dashboard streams whose key or account was revoked. */
  const rechecks: Array<() => Promise<void>> = [];
  let tasks: TaskRunner | null = null;
  const metrics = createMetrics(dialect, clock, () => worker?.inFlight ?? 0);
  const services: Services = {
    dialect,
    clock,
    config,
    log,
    deliveriesQueued(endpointIds) {
      worker?.wake(endpointIds);
      if (!dialect.singleProcess) void dialect.notifyDeliveries().catch(() => undefined);
    },
    tasksQueued() {
      tasks?.wake();
      // Task runners live in worker processes: the same notification wakes them.
      if (!dialect.singleProcess) void dialect.notifyDeliveries().catch(() => undefined);
    },
    eventCreated: (type) => metrics.eventsCreated.inc({ type }),
    // Only the process that delivers and runs the tasks can tell when what fell due is done.
    ...(isManualClock(clock) && api && runsWorker
      ? {
          clockControl: manualClockControl({
            clock,
            db: dialect.db,
            stallMs: config.deliveryTimeoutMs + 15_000,
          }),
        }
      : {}),
    credentialsRevoked() {
      app?.keys.forget();
      // Added as the listen hub and the dashboard are made: PostgreSQL's notification listener
      // calls this already while the server starts.
      for (const recheck of rechecks) void recheck().catch(() => undefined);
    },
  };

  const destinationRules = {
    policy: config.destinationPolicy,
    allowlist: config.destinationAllowlist,
  };
  // Only a process that delivers webhooks needs the sender thread.
  const http =
    runsWorker && config.senderThread
      ? new ThreadedHttpTransport({
          rules: destinationRules,
          endpointConcurrency: config.endpointConcurrency,
          log,
        })
      : new HttpTransport(destinationRules);
  // Webhook endpoints with chaos delivery settings go through it; everything else passes through.
  const chaos = new ChaosTransport(http, { clock, allowLive: config.liveChaos });
  // Listen sessions' websockets live in the API process that accepted them: a worker process
  // cannot reach them, so it leaves their deliveries to a small worker in the API process that
  // claims deliveries to listen sessions only.
  const hub = api ? new ListenHub(services) : null;
  if (hub) rechecks.push(() => hub.recheck());
  let stopListening: (() => Promise<void>) | null = null;
  // SQLite: the process with the worker role holds the file's delivery lock (taken above) and
  // claims without leases; PostgreSQL: one of several, with leases; an API-only process: its
  // listen sessions.
  const mode = workerMode(
    { deliversAlone: dialect.lockDeliveries !== null },
    { api, worker: runsWorker },
  );
  if (mode) {
    const id = newWorkerId();
    worker = new DeliveryWorker({
      id,
      queue: dialect.deliveryQueue({
        owner: id,
        leaseMs: config.deliveryLeaseMs,
        withoutLeases: !policyOf(mode).leases,
      }),
      mode,
      clock,
      config,
      log,
      metrics,
      transports:
        mode.kind === 'listen-sessions'
          ? { listen: hub!.transport, ...options.transports }
          : {
              webhook: chaos,
              destination: http,
              ...(hub ? { listen: hub.transport } : {}),
              ...options.transports,
            },
      // With several API processes each delivers to the listen sessions connected to it.
      ...(hub ? { listenSessions: () => hub.connectedSessions() } : {}),
    });
    await worker.start();
    const w = worker;
    stopListening = await dialect.listenDeliveries((topic) => {
      // null: (re)connected, so anything may have been missed.
      if (topic === null || topic === ENDPOINTS_CHANGED) endpointsChanged();
      if (topic === null || topic === '') {
        if (topic === null) w.wake();
        else w.queuedElsewhere();
        tasks?.wake();
      }
      if (topic === null || topic === CREDENTIALS_REVOKED) services.credentialsRevoked?.();
    });
  }
  if (runsWorker) {
    tasks = new TaskRunner(
      services,
      Object.assign({}, ...resources.map((r) => r.tasks ?? {})),
      clock,
      log,
    );
    tasks.start();
  }

  const metricsMount = metricsHandler(metrics);
  let closing: Promise<void> | null = null;
  const probes = probesHandler(
    dialect.db,
    () => closing !== null,
    () => dialect.problem?.() ?? null,
  );
  let metricsServer: Server | null = null;
  if (config.metricsPort !== undefined) {
    metricsServer = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      void (async () => (await probes(req, res, path)) || metricsMount(req, res, path))().then(
        (handled) => {
          if (!handled) res.writeHead(404).end();
        },
        () => res.writeHead(500).end(),
      );
    });
    await listenOn(metricsServer, config.metricsPort, config.host);
  }

  let server: Server | null = null;
  let port: number | null = null;
  let dashboard: ReturnType<typeof dashboardMounts> | null = null;
  if (api) {
    dashboard = dashboardMounts(services);
    rechecks.push(dashboard.recheck);
    app = buildApp(services, {
      mounts: [
        probes,
        ...(config.metrics ? [metricsMount] : []),
        ...(options.mounts ?? []),
        onboardingMount(services),
        expressDashboardMount(services),
        oauthAuthorizeMount(services),
        authenticateMount(services),
        microdepositsMount(services),
        checkoutMount(services),
        fileLinksMount(services),
        paymentLinksMount(services),
        billingPortalMount(services),
        identityMount(services),
        ...dashboard.mounts,
      ],
    });
    server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, app.handle);
    await listenOn(server, config.port, config.host);
    port = (server.address() as AddressInfo).port;
    server.on('upgrade', (req, socket, head) => {
      if (!hub?.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  const housekeeping = startHousekeeping(services);

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: port === null ? null : `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : null,
    services,
    worker,
    app,
    startup,
    housekeeping,
    close() {
      closing ??= (async () => {
        await housekeeping.stop();
        // Open dashboard streams would hold server.close() until the 5 s cut-off below.
        dashboard?.close();
        if (server) {
          const closed = new Promise<void>((r) => server!.close(() => r()));
          // Upgraded (websocket) connections keep the server open: end the listen sessions first.
          await hub?.close();
          server.closeIdleConnections();
          setTimeout(() => server?.closeAllConnections(), 5_000).unref();
          await closed;
        }
        if (metricsServer) {
          const closed = new Promise<void>((r) => metricsServer!.close(() => r()));
          metricsServer.closeAllConnections();
          await closed;
        }
        await tasks?.stop();
        // Deliveries held by chaos delivery are given back unsent, so that stopping waits for none.
        chaos.release();
        await worker?.stop();
        await stopListening?.();
        await http.close();
        for (const t of Object.values(options.transports ?? {})) await t.close();
        await dialect.close();
        metrics.stop();
      })();
      return closing;
    },
  };
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

export {
  loadConfig,
  options as configOptions,
  ConfigError,
  describeDatabase,
  type Config,
} from './config/schema.js';
export {
  manualClock,
  scaledClock,
  systemClock,
  type Clock,
  type ManualClock,
} from './domain/clock.js';
export { limitHeapGrowth } from './heap.js';
export { createLogger, redactSecrets, type Logger } from './observability/logger.js';
export { openStorage, isPostgresUrl } from './storage/open.js';
export { migrate } from './storage/migrate.js';
export { testKeysOf, publishableKeysOf, createPlatform } from './services/platforms.js';
export { listPlatforms, firstPlatform } from './storage/repositories/platforms.js';
