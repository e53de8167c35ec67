/** `epc controller` flags -> frozen config (pure, no process): every bad value names its flag. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildControllerConfig, CONTROLLER_DEFAULTS, type ControllerFlags } from '../../src/controller/controller-config.js';
import { expectConfigError, expectDeepFrozen } from '../helpers/config-builder.js';

const FLAGS: ControllerFlags = { ...CONTROLLER_DEFAULTS, socketDir: '/nonexistent/epc-ctl' };

describe('buildControllerConfig', () => {
  it('defaults parse, and nothing is created', () => {
    expect(buildControllerConfig(FLAGS)).toEqual({ socketDir: '/nonexistent/epc-ctl', capacityPages: 65536, costScale: 1, costs: {}, metricsAddr: undefined, faultRetryMs: 1000 });
    expect(existsSync('/nonexistent/epc-ctl')).toBe(false);
  });
  it('reads every flag', () => {
    expect(buildControllerConfig({ ...FLAGS, capacity: '1Mi', costScale: '0.5', faultRetryMs: '0', metricsAddr: '127.0.0.1:0', costs: 'evictCycles=1,ghz=2' })).toEqual({
      socketDir: '/nonexistent/epc-ctl', capacityPages: 256, costScale: 0.5, costs: { evictCycles: 1, ghz: 2 }, metricsAddr: '127.0.0.1:0', faultRetryMs: 0,
    });
  });
  it('is frozen, the cost model included', () => {
    const cfg = buildControllerConfig({ ...FLAGS, costs: '{"evictCycles": 5}' });
    expectDeepFrozen(cfg);
    expect(() => {
      (cfg.costs as { evictCycles: number }).evictCycles = 6;
    }).toThrow(TypeError);
  });
  it.each([
    ['--socket-dir', { socketDir: ' ' }, /--socket-dir must not be empty/],
    ['--socket-dir', { socketDir: `/${'d'.repeat(60)}` }, /--socket-dir .* too long: .* over the unix socket path limit of 107/],
    ['--capacity', { capacity: '12x' }, /--capacity /],
    ['--capacity', { capacity: '1000' }, /--capacity must be a multiple of 4096/],
    ['--capacity', { capacity: '0' }, /--capacity must be at least one page \(4096 bytes\)/],
    ['--cost-scale', { costScale: '-1' }, /--cost-scale must be a number >= 0, got "-1"/],
    ['--cost-scale', { costScale: '' }, /--cost-scale must be a number >= 0/],
    ['--cost-scale', { costScale: '0x10' }, /--cost-scale must be a number >= 0/],
    ['--fault-retry-ms', { faultRetryMs: '-3' }, /--fault-retry-ms must be a whole number >= 0, got "-3"/],
    ['--fault-retry-ms', { faultRetryMs: '1.5' }, /--fault-retry-ms must be a whole number/],
    ['--costs', { costs: 'evictCycles=lots' }, /--costs evictCycles must be a number >= 0/],
    ['--costs', { costs: 'foo=1' }, /--costs unknown key "foo"/],
    ['--costs', { costs: '{' }, /--costs is not valid JSON/],
    ['--metrics-addr', { metricsAddr: 'localhost' }, /--metrics-addr must be HOST:PORT/],
  ] as const)('%s: %o', (flag, patch, msg) => {
    expectConfigError(() => buildControllerConfig({ ...FLAGS, ...patch }), flag, msg);
  });
});
