/**
 * Pure: `epc controller` flags -> one validated, frozen configuration. Every bad value is a
 * ConfigError naming the flag (the CLI exits 2 with it); the socket dir is only created by the
 * entry (run-controller.ts), after every flag passed.
 */
import type { CostModel } from '../epc/index.js';
import { ConfigError } from '../util/config-error.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { intFlag, listenAddrFlag, nonEmptyFlag, numberFlag, pagesFlag } from '../util/flag-values.js';
import { parseCosts } from './parse-costs.js';
import { socketDirLengthProblem } from './socket-dir.js';

/** Every default of `epc controller`, as commander shows and hands them over (strings). */
export const CONTROLLER_DEFAULTS = {
  capacity: '256Mi',
  costScale: '1',
  faultRetryMs: '1000',
} as const;

/** The raw flags as commander hands them over. */
export interface ControllerFlags {
  socketDir: string;
  capacity: string;
  metricsAddr?: string;
  costScale: string;
  costs?: string;
  faultRetryMs: string;
}

export interface ControllerConfig {
  socketDir: string;
  capacityPages: number;
  /** Multiplier on simulated paging time applied as caller delay (0 = none). */
  costScale: number;
  costs: Partial<CostModel>;
  /** `host:port` of Prometheus /metrics (validated), or none. */
  metricsAddr?: string;
  faultRetryMs: number;
}

export function buildControllerConfig(f: ControllerFlags): Readonly<ControllerConfig> {
  const socketDir = nonEmptyFlag('--socket-dir', f.socketDir);
  const capacityPages = pagesFlag('--capacity', f.capacity);
  const costScale = numberFlag('--cost-scale', f.costScale, { min: 0 });
  const faultRetryMs = intFlag('--fault-retry-ms', f.faultRetryMs, { min: 0 });
  let costs: Partial<CostModel> = {};
  if (f.costs !== undefined) {
    const c = parseCosts(f.costs);
    if ('error' in c) throw new ConfigError('--costs', `--costs ${c.error}`);
    costs = c.costs;
  }
  if (f.metricsAddr !== undefined) listenAddrFlag('--metrics-addr', f.metricsAddr);
  const tooLong = socketDirLengthProblem(socketDir);
  if (tooLong) throw new ConfigError('--socket-dir', `--socket-dir ${tooLong}`);
  return deepFreeze({ socketDir, capacityPages, costScale, costs, metricsAddr: f.metricsAddr, faultRetryMs });
}
