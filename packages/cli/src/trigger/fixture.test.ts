import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFixture, triggerFixture, triggerNames, validateFixture } from './fixture.js';

describe('trigger fixtures', () => {
  it('ship one valid fixture per event of the seed table and the common Connect events', () => {
    const names = triggerNames();
    for (const seed of [
      'account.application.deauthorized',
      'account.external_account.updated',
      'account.updated',
      'balance.available',
      'payment_intent.succeeded',
      'payout.failed',
      'person.updated',
    ])
      expect(names).toContain(seed);
    expect(names).toContain('account.application.authorized');
    expect(names).toContain('v2.core.account.created');
    for (const name of names) {
      const f = triggerFixture(name);
      expect(f._meta.description, name).toBeTruthy();
    }
  });

  it('rejects a reference to a step that does not run earlier, before anything is sent', () => {
    expect(() =>
      validateFixture(
        {
          _meta: { template_version: 0 },
          fixtures: [
            { name: 'a', path: '/v1/customers/${b:id}', method: 'get' },
            { name: 'b', path: '/v1/customers', method: 'post' },
          ],
        },
        'f.json',
      ),
    ).toThrow('f.json: step 1 ("a") references ${b:id}, but no earlier step is named "b"');
  });

  it('rejects bad shapes with the file and step named', () => {
    const bad =
      (fixtures: unknown[], meta: unknown = { template_version: 0 }) =>
      () =>
        validateFixture({ _meta: meta, fixtures }, 'f.json');
    expect(bad([{ name: 'a', path: '/v1/x', method: 'put' }])).toThrow(
      'f.json: step 1 ("a"): method must be get, post or delete',
    );
    expect(bad([{ name: 'a', path: '/x', method: 'get' }])).toThrow(
      'path must start with /v1/ or /v2/',
    );
    expect(bad([{ name: 'a', path: '/v1/x', method: 'get' }], { template_version: 1 })).toThrow(
      'fixture version not supported: 1',
    );
    expect(bad([])).toThrow('"fixtures" must list the steps');
    expect(
      bad([{ name: 'a', path: '/v1/x', method: 'get' }], {
        template_version: 0,
        account_step: 'acct',
      }),
    ).toThrow('f.json: _meta.account_step names no step: "acct"');
    expect(bad([{ name: 'a', path: '/v1/x', method: 'get', as_platform: 'yes' }])).toThrow(
      'f.json: step 1 ("a"): as_platform must be true or false',
    );
  });

  it('every trigger that creates a connected account acts on the named one with --stripe-account', () => {
    // The account step stands for the account --stripe-account names (run.ts): no trigger
    // creates an account of its own then, but the v2 ones (v2 accounts are not v1 accounts).
    for (const name of triggerNames().filter((n) => !n.startsWith('v2.'))) {
      const f = triggerFixture(name);
      const creates = f.fixtures.filter((s) => s.method === 'post' && s.path === '/v1/accounts');
      expect(
        creates.map((s) => s.name),
        name,
      ).toEqual(f._meta.account_step ? [f._meta.account_step] : []);
    }
  });

  it('explains an unknown event, with the triggers of the same resource', () => {
    expect(() => triggerFixture('payout.exploded')).toThrow(
      /cannot trigger "payout.exploded"; did you mean payout\./,
    );
  });

  it('reports a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-fixture-'));
    writeFileSync(join(dir, 'x.json'), '{nope');
    expect(() => readFixture(join(dir, 'x.json'))).toThrow(/x.json is not valid JSON/);
  });
});
