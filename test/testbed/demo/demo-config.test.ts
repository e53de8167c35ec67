/** `epc demo` flags -> frozen config (pure, no process): every bad value names its flag. */
import { describe, expect, it } from 'vitest';
import { buildDemoConfig, type DemoFlags } from '../../../src/testbed/demo/demo-config.js';
import { expectConfigError, expectDeepFrozen } from '../../helpers/config-builder.js';

const FLAGS: DemoFlags = { report: 'epc-demo-report.html' };

describe('buildDemoConfig', () => {
  it('defaults parse', () => {
    expect(buildDemoConfig(FLAGS)).toEqual({ durationSeconds: undefined, scenarioFile: undefined, json: false, reportFile: 'epc-demo-report.html', keepTemp: false });
  });
  it('reads every flag; --no-report is no file', () => {
    expect(buildDemoConfig({ duration: '2.5', scenario: 'x.yaml', json: true, report: false, keepTemp: true })).toEqual({ durationSeconds: 2.5, scenarioFile: 'x.yaml', json: true, reportFile: null, keepTemp: true });
  });
  it('is frozen', () => {
    const cfg = buildDemoConfig(FLAGS);
    expectDeepFrozen(cfg);
    expect(() => {
      (cfg as { json: boolean }).json = true;
    }).toThrow(TypeError);
  });
  it.each([
    ['--duration', { duration: '0' }, /--duration must be a number of seconds from 1 to 600, got "0"/],
    ['--duration', { duration: 'soon' }, /--duration must be a number of seconds from 1 to 600/],
    ['--duration', { duration: '601' }, /--duration must be a number of seconds from 1 to 600/],
    ['--duration', { duration: '1e2' }, /--duration must be a number of seconds/],
    ['--scenario', { scenario: ' ' }, /--scenario must not be empty/],
    ['--report', { report: '' }, /--report must not be empty/],
  ] as const)('%s: %o', (flag, patch, msg) => {
    expectConfigError(() => buildDemoConfig({ ...FLAGS, ...patch }), flag, msg);
  });
});
