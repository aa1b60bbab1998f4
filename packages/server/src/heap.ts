import { setFlagsFromString } from 'node:v8';

/**
 * How far the old generation of the V8 heap may grow past what the last full collection kept
 * alive before the next one, in percent. V8 picks the factor itself, up to 300% on a machine with
 * this much memory; under API load that let the server's old generation swing between ~20 MB live
 * and ~60-85 MB before a full collection, most of it short-lived request objects promoted by the
 * young-generation collector. With 50%: peak RSS of a fresh server under 10 s of API creates
 * 166-169 MB instead of 211 MB, at the same creates per second (docs/benchmarks.md).
 */
export const HEAP_GROWING_PERCENT = 50;

/** Whether the node command line already sets the growing factor (then it is left alone). */
export function heapGrowthGiven(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
}

/**
 * Bounds the heap's growth for this process (`serve` calls it first). V8 reads the factor at each
 * full collection, so setting it now applies from the next one on. A `--heap-growing-percent=N`
 * on the node command line wins (`=0` restores V8's own choice).
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (heapGrowthGiven(execArgv)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
