import { Command } from 'commander';
import { buildDoctorConfig, DOCTOR_DEFAULTS as D, type DoctorFlags } from '../../doctor/doctor-config.js';

/**
 * `epc doctor`: node preflight. Exit 0 ready, 1 warnings only, 3 failures (2: bad usage, as
 * every command). Run on a node with `kubectl debug node/NAME -it --image=IMAGE -- epc doctor --root /host`.
 */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check a node for the agent: SGX devices, kernel EPC cgroup (misc.capacity sgx_epc), cgroup v2 and driver, kubelet sockets, other SGX device plugins, nri-sgx-epc, what --enforce auto does here; with --kubeconfig also Intel\'s SGX webhook. Exit 0 ready, 1 warnings, 3 failures')
    .option('--root <dir>', 'the node\'s root filesystem (kubectl debug node/...: /host)', D.root)
    .option('--kubelet-dir <dir>', 'kubelet root dir, on the node', D.kubeletDir)
    .option('--cgroup-dir <dir>', 'cgroup v2 mount, on the node', D.cgroupDir)
    .option('--controller-socket-dir <dir>', 'socket dir of the model\'s epc controller, on the node', D.controllerSocketDir)
    .option('--kubeconfig <file>', 'also check the cluster for Intel\'s SGX webhook')
    .option('--json', 'print the report as JSON')
    .action(async (o: DoctorFlags) => {
      const cfg = buildDoctorConfig(o);
      const { doctorMain } = await import('../../doctor/doctor-main.js');
      process.exitCode = await doctorMain(cfg);
    });
}
