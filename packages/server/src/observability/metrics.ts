/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format (version 0.0.4). Values are per process; Prometheus adds them up across the
 * processes it scrapes. Gauges read from the database are filled by collectors at scrape time.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

const escapeLabel = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** One key per set of labels, whatever their order (label names are identifiers: no quoting). */
function keyOf(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}=${JSON.stringify(labels[name])},`;
  return key;
}

const formatNumber = (n: number) =>
  Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';

interface Metric {
  render(): string;
}

abstract class Series<V> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: V }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected entry(labels: Labels, initial: () => V): { labels: Labels; value: V } {
    const key = keyOf(labels);
    let e = this.series.get(key);
    if (!e) {
      e = { labels: { ...labels }, value: initial() };
      this.series.set(key, e);
    }
    return e;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) lines.push(...this.lines(labels, value));
    return lines.join('\n');
  }

  protected abstract lines(labels: Labels, value: V): string[];
}

export class Counter extends Series<number> {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }
  /** Sets the count to a total kept elsewhere, read at scrape time (the process's CPU time). */
  sync(labels: Labels, total: number): void {
    this.entry(labels, () => 0).value = total;
  }
  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }
  protected lines(labels: Labels, value: number): string[] {
    return [`${this.name}${labelText(labels)} ${formatNumber(value)}`];
  }
}

export class Gauge extends Series<number> {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.entry(labels, () => 0).value = value;
  }
  /** Forgets every series (before a collector sets the current ones). */
  reset(): void {
    this.series.clear();
  }
  protected lines(labels: Labels, value: number): string[] {
    return [`${this.name}${labelText(labels)} ${formatNumber(value)}`];
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Series<HistogramValue> {
  readonly buckets: readonly number[];
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, 'histogram');
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    const e = this.entry(labels, () => ({
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    })).value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) e.counts[i]!++;
    e.sum += value;
    e.count++;
  }
  protected lines(labels: Labels, v: HistogramValue): string[] {
    const out = this.buckets.map(
      (le, i) => `${this.name}_bucket${labelText(labels, ['le', formatNumber(le)])} ${v.counts[i]}`,
    );
    out.push(`${this.name}_bucket${labelText(labels, ['le', '+Inf'])} ${v.count}`);
    out.push(`${this.name}_sum${labelText(labels)} ${formatNumber(v.sum)}`);
    out.push(`${this.name}_count${labelText(labels)} ${v.count}`);
    return out;
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];
  readonly #collectors: Array<() => Promise<void>> = [];

  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.#add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, buckets));
  }
  /** Runs before every scrape (e.g. to read queue depth from the database). */
  collect(collector: () => Promise<void>): void {
    this.#collectors.push(collector);
  }

  async render(): Promise<string> {
    await Promise.all(this.#collectors.map((c) => c()));
    return this.#metrics.map((m) => m.render()).join('\n') + '\n';
  }

  #add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}
