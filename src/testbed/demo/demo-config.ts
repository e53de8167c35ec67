/**
 * Pure: `epc demo` flags -> one validated, frozen configuration. Every bad value is a ConfigError
 * naming the flag (the CLI exits 2 with it). The scenario file is only read by the entry.
 */
import { ConfigError } from '../../util/config-error.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { nonEmptyFlag } from '../../util/flag-values.js';

/** Longest access phase of a run, in seconds (the whole demo takes about 4x this). */
export const MAX_DEMO_SECONDS = 600;

/** The raw flags as commander hands them over. */
export interface DemoFlags {
  duration?: string;
  scenario?: string;
  json?: boolean;
  /** The file, or false with --no-report. */
  report: string | false;
  keepTemp?: boolean;
}

export interface DemoConfig {
  /** Access phase of each run; none: the scenario's. */
  durationSeconds?: number;
  /** A demo scenario file; none: the built-in one. */
  scenarioFile?: string;
  json: boolean;
  /** Where the HTML report goes; null with --no-report. */
  reportFile: string | null;
  keepTemp: boolean;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n >= 1) || n > MAX_DEMO_SECONDS) throw new ConfigError('--duration', `--duration must be a number of seconds from 1 to ${MAX_DEMO_SECONDS}, got ${JSON.stringify(v)}`);
  return n;
}

export function buildDemoConfig(f: DemoFlags): Readonly<DemoConfig> {
  if (f.scenario !== undefined) nonEmptyFlag('--scenario', f.scenario);
  if (f.report !== false && f.report.trim() === '') throw new ConfigError('--report', '--report must not be empty (--no-report writes none)');
  return deepFreeze({
    durationSeconds: f.duration === undefined ? undefined : seconds(f.duration),
    scenarioFile: f.scenario,
    json: f.json === true,
    reportFile: f.report === false ? null : f.report,
    keepTemp: f.keepTemp === true,
  });
}
