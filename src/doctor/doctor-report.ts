/**
 * The shape of an `epc doctor` report: named checks with a status each, what `--enforce auto`
 * would do on the node, and the exit code the statuses map to (one place).
 */

/** ok: as needed; info: fact without judgement; warn: works, but not as you may expect; fail: the agent cannot do its job here. */
export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

/** One check: a stable id (for --json consumers), a title, a status, a one-line summary, details. */
export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  summary: string;
  /** Further lines: paths found, the way out. */
  details?: string[];
}

/** What the agent's `--enforce auto` would do on this node, and why. */
export interface EnforceAutoOutcome {
  /** true: each EPC pod gets its request as misc.max; false: observe-only. */
  enforces: boolean;
  /** The EPC controller `--epc-backend auto` would pick: the kernel's, the model's, or none. */
  backend: 'cgroupfs' | 'model' | 'none';
  why: string;
}

/** The whole report (`epc doctor --json` prints it as is). */
export interface DoctorReport {
  root: string;
  checks: DoctorCheck[];
  enforceAuto: EnforceAutoOutcome;
  exitCode: DoctorExitCode;
}

/**
 * Exit codes (documented in the README): 0 every check ok/info; 1 warnings only (the agent runs,
 * e.g. observe-only under --enforce auto, or another SGX plugin is registered); 3 at least one
 * failure (no SGX device, no cgroup v2, no kubelet device-plugin socket). 2 is the CLI's code for
 * bad usage, never a finding.
 */
export type DoctorExitCode = 0 | 1 | 3;

/** Exit code of a set of checks: the worst status wins. */
export function exitCodeOf(checks: readonly DoctorCheck[]): DoctorExitCode {
  if (checks.some((c) => c.status === 'fail')) return 3;
  if (checks.some((c) => c.status === 'warn')) return 1;
  return 0;
}
