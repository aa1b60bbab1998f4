import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { Receiver } from '../helpers/receiver.js';

/** Scrapes GET /metrics and returns the value of one sample (0 when absent). */
async function sample(server: TestServer, line: RegExp): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('GET /metrics', () => {
  let server: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('is Prometheus text, served without an API key', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const name of [
      'switchboard_delivery_attempts_total',
      'switchboard_delivery_attempt_duration_seconds',
      'switchboard_deliveries_pending',
      'switchboard_deliveries_due',
      'switchboard_oldest_due_delivery_age_seconds',
      'switchboard_events_created_total',
      'switchboard_endpoints_disabled',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it("exports the process's CPU, memory, file descriptors and event-loop lag", async () => {
    const cpuBefore = await sample(server, /process_cpu_seconds_total/);
    // A scrape starts a new window of event-loop samples, counted from its first interval on.
    await new Promise((r) => setTimeout(r, 50));
    // The test server runs in this process: a 100 ms stall is CPU time for it to account for, and
    // a late event loop to see.
    const stalledUntil = Date.now() + 100;
    while (Date.now() < stalledUntil);
    await new Promise((r) => setTimeout(r, 50));

    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(cpuBefore);
    expect(value('process_cpu_seconds_total')).toBeCloseTo(
      value('process_cpu_user_seconds_total') + value('process_cpu_system_seconds_total'),
      5,
    );
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1024 * 1024);
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(
      value('nodejs_heap_size_total_bytes'),
    );
    const started = value('process_start_time_seconds');
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    expect(started).toBeGreaterThan(Date.now() / 1000 - 24 * 3600);
    expect(value('process_open_fds')).toBeGreaterThan(0);
    expect(value('process_max_fds')).toBeGreaterThanOrEqual(value('process_open_fds'));
    // The stall shows as a late event loop: at least 100 ms less the 20 ms sampling interval.
    expect(value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.07);
    expect(value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0.07);
    expect(value('nodejs_eventloop_lag_mean_seconds')).toBeGreaterThan(0);
  });

  it('counts events by type, attempts by outcome, their latency, and the due queue with its age', async () => {
    const stripe = server.stripe();
    const ok = await stripe.webhookEndpoints.create({
      url: receiver.url('/m-ok'),
      enabled_events: ['customer.created', 'customer.updated'],
    });
    receiver.expect('/m-ok', ok.secret!);
    const failing = await stripe.webhookEndpoints.create({
      url: receiver.url('/m-fail'),
      enabled_events: ['customer.created'],
    });
    receiver.respond('/m-fail', () => ({ status: 500 }));

    const c = await stripe.customers.create({ name: 'metered' });
    await stripe.customers.update(c.id, { name: 'metered again' });
    expect(
      await sample(server, /switchboard_events_created_total\{type="customer.created"\}/),
    ).toBe(1);
    expect(
      await sample(server, /switchboard_events_created_total\{type="customer.updated"\}/),
    ).toBe(1);

    await receiver.waitFor(
      () => receiver.at('/m-ok').length >= 2 && receiver.at('/m-fail').length >= 1,
    );
    await eventually(
      async () =>
        (await sample(server, /switchboard_delivery_attempts_total\{outcome="delivered"\}/)) ===
          2 &&
        (await sample(server, /switchboard_delivery_attempts_total\{outcome="retry"\}/)) === 1 &&
        (await sample(server, /switchboard_deliveries_pending/)) === 1,
      10_000,
      'the attempts counted and written',
    );
    expect(
      await sample(server, /switchboard_delivery_attempt_duration_seconds_count\{kind="webhook"\}/),
    ).toBe(3);
    // The failed delivery waits for its retry (10 minutes in test mode): pending, not due.
    expect(await sample(server, /switchboard_deliveries_due/)).toBe(0);
    expect(await sample(server, /switchboard_oldest_due_delivery_age_seconds/)).toBe(0);

    // Stop the retry from being sent, then let the clock pass its due time by 5 minutes.
    await stripe.webhookEndpoints.update(failing.id, { disabled: true });
    await server.sb.worker!.stop();
    server.clock!.advance(15 * 60_000);
    expect(await sample(server, /switchboard_deliveries_due/)).toBe(1);
    expect(await sample(server, /switchboard_oldest_due_delivery_age_seconds/)).toBe(300);
    expect(await sample(server, /switchboard_endpoints_disabled\{reason="user"\}/)).toBe(1);
    expect(await sample(server, /switchboard_endpoints_disabled\{reason="failing"\}/)).toBe(0);
  });
});
