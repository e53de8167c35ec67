import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** Parsed `epc doctor` flags. */
interface DoctorFlags {
  root: string;
  kubeletDir: string;
  cgroupDir: string;
  controllerSocketDir: string;
  kubeconfig?: string;
  json?: boolean;
}

/**
 * `epc doctor`: node preflight. Exit 0 ready, 1 warnings only, 3 failures (2: bad usage, as
 * every command). Run on a node with `kubectl debug node/NAME -it --image=IMAGE -- epc doctor --root /host`.
 */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check a node for the agent: SGX devices, kernel EPC cgroup (misc.capacity sgx_epc), cgroup v2 and driver, kubelet sockets, other SGX device plugins, nri-sgx-epc, what --enforce auto does here; with --kubeconfig also Intel\'s SGX webhook. Exit 0 ready, 1 warnings, 3 failures')
    .option('--root <dir>', 'the node\'s root filesystem (kubectl debug node/...: /host)', '/')
    .option('--kubelet-dir <dir>', 'kubelet root dir, on the node', '/var/lib/kubelet')
    .option('--cgroup-dir <dir>', 'cgroup v2 mount, on the node', '/sys/fs/cgroup')
    .option('--controller-socket-dir <dir>', 'socket dir of the model\'s epc controller, on the node', '/var/run/epc')
    .option('--kubeconfig <file>', 'also check the cluster for Intel\'s SGX admission webhook')
    .option('--json', 'print the report as JSON')
    .action(async (o: DoctorFlags) => {
      for (const [flag, v] of [['--kubelet-dir', o.kubeletDir], ['--cgroup-dir', o.cgroupDir], ['--controller-socket-dir', o.controllerSocketDir]] as const) {
        if (!v.startsWith('/')) throw new CliError(`${flag} must be an absolute path on the node, got ${JSON.stringify(v)}`, 2);
      }
      const { existsSync } = await import('node:fs');
      if (!existsSync(o.root)) throw new CliError(`--root ${o.root} does not exist`, 2);
      if (o.kubeconfig !== undefined && !existsSync(o.kubeconfig)) throw new CliError(`--kubeconfig ${o.kubeconfig} does not exist`, 2);
      const { runDoctor, formatReport } = await import('../../doctor/index.js');
      const report = await runDoctor({ root: o.root, kubeletDir: o.kubeletDir, cgroupDir: o.cgroupDir, controllerSocketDir: o.controllerSocketDir, kubeconfig: o.kubeconfig });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      process.exitCode = report.exitCode;
    });
}
