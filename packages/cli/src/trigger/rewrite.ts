import { CliError } from '../api/client.js';
import type { Fixture } from './fixture.js';

/**
 * The Stripe CLI's fixture edits: `--override step:path.to.param=value` sets a param,
 * `--add step:path=value` sets it only where the fixture has none, `--remove step:path` drops it,
 * `--skip step` leaves a step out. Values are strings, as on the wire.
 */
export interface Rewrites {
  override?: string[];
  add?: string[];
  remove?: string[];
  skip?: string[];
}

interface Rule {
  step: string;
  keys: string[];
  value: string;
}

function parseRule(flag: 'override' | 'add' | 'remove', text: string, fixture: Fixture): Rule {
  const example = `--${flag} step:path.to.param${flag === 'remove' ? '' : '=value'}`;
  const eq = text.indexOf('=');
  if (flag !== 'remove' && eq === -1)
    throw new CliError(`--${flag} ${text}: give a value (${example})`);
  const target = flag === 'remove' || eq === -1 ? text : text.slice(0, eq);
  const colon = target.indexOf(':');
  const names = fixture.fixtures.map((s) => s.name);
  if (colon <= 0)
    throw new CliError(
      `--${flag} ${text}: name the step to change (${example}); steps: ${names.join(', ')}`,
    );
  const step = target.slice(0, colon);
  if (!names.includes(step))
    throw new CliError(`--${flag} ${text}: no step named "${step}"; steps: ${names.join(', ')}`);
  const keys = target.slice(colon + 1).split('.');
  if (keys.some((k) => k === '')) throw new CliError(`--${flag} ${text}: empty param name`);
  return { step, keys, value: flag === 'remove' ? '' : text.slice(eq + 1) };
}

type Params = Record<string, unknown>;

function setPath(params: Params, keys: string[], value: string, overwrite: boolean): void {
  let at = params;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (!next || typeof next !== 'object') at[key] = {};
    at = at[key] as Params;
  }
  const last = keys[keys.length - 1]!;
  if (overwrite || !(last in at)) at[last] = value;
}

function removePath(params: Params, keys: string[]): void {
  let at: unknown = params;
  for (const key of keys.slice(0, -1)) {
    at = (at as Params | undefined)?.[key];
    if (!at || typeof at !== 'object') return;
  }
  delete (at as Params)[keys[keys.length - 1]!];
}

/** A copy of the fixture with the edits applied (skipping is the runner's); unknown steps are errors. */
export function applyRewrites(fixture: Fixture, rewrites: Rewrites): Fixture {
  const out = structuredClone(fixture);
  const step = (name: string) => {
    const s = out.fixtures.find((f) => f.name === name)!;
    s.params ??= {};
    return s.params;
  };
  for (const text of rewrites.override ?? []) {
    const r = parseRule('override', text, out);
    setPath(step(r.step), r.keys, r.value, true);
  }
  for (const text of rewrites.add ?? []) {
    const r = parseRule('add', text, out);
    setPath(step(r.step), r.keys, r.value, false);
  }
  for (const text of rewrites.remove ?? []) {
    const r = parseRule('remove', text, out);
    removePath(step(r.step), r.keys);
  }
  const names = out.fixtures.map((s) => s.name);
  for (const name of rewrites.skip ?? []) {
    if (!names.includes(name))
      throw new CliError(`--skip ${name}: no step named "${name}"; steps: ${names.join(', ')}`);
  }
  return out;
}
