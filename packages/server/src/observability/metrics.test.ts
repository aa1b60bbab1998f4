import { describe, expect, it } from 'vitest';
import { Registry } from './metrics.js';

describe('Prometheus registry', () => {
  it('renders counters with labels, escaping label values', async () => {
    const r = new Registry();
    const c = r.counter('x_total', 'Things.');
    c.inc({ type: 'a' });
    c.inc({ type: 'a' }, 2);
    c.inc({ type: 'say "hi"\n' });
    expect(await r.render()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{type="a"} 3\nx_total{type="say \\"hi\\"\\n"} 1\n',
    );
  });

  it('counts one series per set of labels, whatever order they are given in', async () => {
    const r = new Registry();
    const c = r.counter('y_total', 'Things.');
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '2', a: '1' });
    c.inc({ a: '1', b: '2,c=3' });
    c.inc({ a: '1' });
    expect(await r.render()).toBe(
      '# HELP y_total Things.\n# TYPE y_total counter\n' +
        'y_total{a="1",b="2"} 2\ny_total{a="1",b="2,c=3"} 1\ny_total{a="1"} 1\n',
    );
  });

  it('sets a counter to a total kept elsewhere', async () => {
    const r = new Registry();
    const c = r.counter('cpu_seconds_total', 'CPU.');
    c.sync({}, 1.5);
    c.sync({}, 2.25);
    expect(c.get()).toBe(2.25);
    expect(await r.render()).toBe(
      '# HELP cpu_seconds_total CPU.\n# TYPE cpu_seconds_total counter\ncpu_seconds_total 2.25\n',
    );
  });

  it('renders histograms as cumulative buckets with +Inf, sum and count', async () => {
    const r = new Registry();
    const h = r.histogram('d_seconds', 'Durations.', [0.1, 1]);
    h.observe({ kind: 'webhook' }, 0.05);
    h.observe({ kind: 'webhook' }, 0.5);
    h.observe({ kind: 'webhook' }, 5);
    expect(await r.render()).toBe(
      [
        '# HELP d_seconds Durations.',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{kind="webhook",le="0.1"} 1',
        'd_seconds_bucket{kind="webhook",le="1"} 2',
        'd_seconds_bucket{kind="webhook",le="+Inf"} 3',
        'd_seconds_sum{kind="webhook"} 5.55',
        'd_seconds_count{kind="webhook"} 3',
        '',
      ].join('\n'),
    );
  });

  it('runs collectors before rendering gauges', async () => {
    const r = new Registry();
    const g = r.gauge('depth', 'Queue depth.');
    let n = 0;
    r.collect(async () => g.set({}, ++n));
    expect(await r.render()).toContain('\ndepth 1\n');
    expect(await r.render()).toContain('\ndepth 2\n');
  });
});
