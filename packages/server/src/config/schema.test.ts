import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './schema.js';

describe('--clock', () => {
  it('is system by default and manual when asked', () => {
    expect(loadConfig({}, {}).clock).toBe('system');
    expect(loadConfig({ clock: 'manual' }, {}).clock).toBe('manual');
    expect(loadConfig({}, { SWITCHBOARD_CLOCK: 'manual' }).clock).toBe('manual');
  });

  it('refuses other values, and manual with --clock-speed or with one role', () => {
    expect(() => loadConfig({ clock: 'frozen' }, {})).toThrow(/--clock .*system or manual/);
    expect(() => loadConfig({ clock: 'manual', clockSpeed: '100' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ clock: 'manual', roles: 'api' }, {})).toThrow(
      /both roles \(--roles api,worker\)/,
    );
    expect(loadConfig({ clockSpeed: '100' }, {}).clockSpeed).toBe(100);
  });
});
