/**
 * `epc doctor` as a process, from its built config: checks that `--root` and `--kubeconfig` exist
 * (a ConfigError naming the flag if not), runs every check, prints the report (JSON with `json`)
 * and returns the exit code: 0 ready, 1 warnings only, 3 failures.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../util/config-error.js';
import type { DoctorExitCode } from './doctor-report.js';
import type { DoctorConfig } from './doctor-config.js';
import { formatReport } from './format-report.js';
import { runDoctor } from './run-doctor.js';

export async function doctorMain(cfg: Readonly<DoctorConfig>): Promise<DoctorExitCode> {
  if (!existsSync(cfg.root)) throw new ConfigError('--root', `--root ${cfg.root} does not exist`);
  if (cfg.kubeconfig !== undefined && !existsSync(cfg.kubeconfig)) throw new ConfigError('--kubeconfig', `--kubeconfig ${cfg.kubeconfig} does not exist`);
  const report = await runDoctor(cfg);
  process.stdout.write(cfg.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.exitCode;
}
