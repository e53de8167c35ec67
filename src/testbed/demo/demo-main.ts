/**
 * `epc demo` as a process, from its built config: loads the scenario (a bad file is a
 * ConfigError naming `--scenario` and the field), runs the demo with progress on stderr (Ctrl-C or
 * SIGTERM tears the node down: RunFailure, exit 130), prints the results (a table, or JSON with
 * `json`) and fails (RunFailure, exit 1) unless every condition of the verdict holds.
 */
import { ConfigError } from '../../util/config-error.js';
import { abortOnSignal } from '../../util/process-lifecycle.js';
import { RunFailure } from '../../util/run-failure.js';
import { defaultScenario } from './default-scenario.js';
import type { DemoConfig } from './demo-config.js';
import { ScenarioError } from './demo-scenario.js';
import { formatDemoTable } from './format-table.js';
import { loadScenarioFile } from './load-scenario.js';
import { DemoInterrupted, runDemo } from './run-demo.js';

export async function demoMain(cfg: Readonly<DemoConfig>): Promise<void> {
  let scenario;
  try {
    scenario = cfg.scenarioFile === undefined ? defaultScenario() : await loadScenarioFile(cfg.scenarioFile);
  } catch (err) {
    if (err instanceof ScenarioError) throw new ConfigError('--scenario', `bad demo scenario --scenario ${cfg.scenarioFile}: ${err.message}`);
    throw err;
  }
  const started = performance.now();
  const log = (msg: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
  const stop = abortOnSignal((sig) => log(`${sig}: stopping tenants and tearing the node down`));
  let result;
  try {
    result = await runDemo({ scenario, durationSeconds: cfg.durationSeconds, reportFile: cfg.reportFile, keepTemp: cfg.keepTemp, log, signal: stop.signal });
  } catch (err) {
    if (err instanceof DemoInterrupted) throw new RunFailure(err.message, { cause: err, exitCode: 130 });
    throw new RunFailure(`demo failed: ${(err as Error).message}`, { cause: err });
  } finally {
    stop.dispose();
  }
  process.stdout.write(cfg.json ? JSON.stringify(result) + '\n' : formatDemoTable(result));
  if (result.failures.length > 0) throw new RunFailure(`demo failed: ${result.failures.length} check(s) failed${cfg.json ? `: ${result.failures.join('; ')}` : ' (FAILED lines above)'}`);
}
