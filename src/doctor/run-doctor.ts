/**
 * `epc doctor`: probes the node under `root`, judges it, and (with a kubeconfig) looks for
 * Intel's SGX webhook in the cluster. Returns the report; printing and exiting is the CLI's job.
 */
import { exitCodeOf, type DoctorReport } from './doctor-report.js';
import { evaluateNode } from './evaluate-node.js';
import { checkIntelWebhook } from './intel-webhook.js';
import { probeNode, type ProbeOptions } from './node-probe.js';

/** Options of `runDoctor`: where the node's files are, and an optional kubeconfig. */
export interface DoctorOptions extends ProbeOptions {
  kubeconfig?: string;
}

/** Runs every check; never throws for what it finds (a missing file is a finding). */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const facts = await probeNode(opts);
  const { checks, enforceAuto } = evaluateNode(facts);
  if (opts.kubeconfig) checks.splice(checks.length - 1, 0, await checkIntelWebhook(opts.kubeconfig));
  return { root: opts.root, checks, enforceAuto, exitCode: exitCodeOf(checks) };
}
