import { Command } from 'commander';
import { AGENT_DEFAULTS as D, buildAgentConfig, type AgentFlags } from '../../agent/agent-config.js';

/** `epc agent`: the node agent (cluster mode with enforcement by default, or `--standalone` device plugins only). */
export function agentCommand(): Command {
  return new Command('agent')
    .description('run the node agent: SGX device plugins whose PreStartContainer binds each pod\'s EPC limit to its cgroup, reconcile, metrics, EPC advertisement')
    .option('--device-plugin-dir <dir>', 'kubelet device plugin directory', D.devicePluginDir)
    .option('--dev-root <dir>', 'root under which dev/sgx_enclave and dev/sgx_provision are looked up', D.devRoot)
    .option('--enclave-slots <n>', 'shareable enclave slots advertised (slot IDs enclave-0..n-1)', D.enclaveSlots)
    .option('--provision-slots <n>', 'shareable provision slots advertised (0 = no provision plugin)', D.provisionSlots)
    .option('--enclave-resource <name>', 'extended resource name of the enclave slots (the webhook\'s resourceNames.enclave)', D.enclaveResource)
    .option('--provision-resource <name>', 'extended resource name of the provision slots (the webhook\'s resourceNames.provision)', D.provisionResource)
    .option('--epc-resource <name>', 'extended resource name of a pod\'s EPC request in bytes, also advertised as Node capacity (the webhook\'s resourceNames.epc)', D.epcResource)
    .option('--model-socket <dir>', 'model node: the modeled EPC controller\'s socket dir; each container gets its slot\'s <dir>/slots/<slot> at /var/run/epc instead of /dev/sgx_* (the older form <dir>/enclave.sock names the same dir)')
    .option('--standalone', 'run only the device plugins, without a cluster (enforcement off)')
    .option('--kubeconfig <file>', 'kubeconfig of the API server (default: in-cluster config, else $KUBECONFIG / ~/.kube/config)')
    .option('--node-name <name>', 'this node (default $NODE_NAME); only pods bound to it are watched')
    .option('--pod-resources-socket <path>', 'kubelet pod-resources v1 socket', D.podResourcesSocket)
    .option('--controller-socket-dir <dir>', 'socket dir of `epc controller` (model backend)', D.controllerSocketDir)
    .option('--epc-backend <kind>', 'model | cgroupfs | auto (cgroupfs when the kernel has sgx_epc, else model when <controller-socket-dir>/control.sock exists, else none)', D.epcBackend)
    .option('--cgroup-root <dir>', 'cgroup v2 mount (cgroupfs backend, cgroup driver detection)', D.cgroupRoot)
    .option('--cgroup-driver <driver>', 'kubelet cgroup driver: systemd | cgroupfs | auto', D.cgroupDriver)
    .option('--metrics-addr <host:port>', 'serve /metrics, /healthz, /readyz here (port 0: any free port, logged in the ready line)', D.metricsAddr)
    .option('--advertise [bool]', 'advertise sgx.intel.com/epc on the Node status and label it (true|false)', D.advertise)
    .option('--enforce [mode]', 'auto: write each pod\'s EPC request as misc.max where the node has an EPC controller (kernel sgx_epc or the model), else observe-only (pods start unlimited); true: strict, refuse EPC pods where no EPC controller is usable; false: observe-only everywhere (auto|true|false; bare flag = true)', D.enforce)
    .option('--prestart-timeout <duration>', 'bound on PreStartContainer before the start is refused (e.g. 10s, 500ms)', D.prestartTimeout)
    .option('--reconcile-interval <duration>', 'period of the full reconcile (drift, deleted pods)', D.reconcileInterval)
    .action(async (o: AgentFlags) => {
      // Every flag is checked before any work (nothing allocated, served or dialled), --standalone
      // included; a ConfigError exits 2 naming the flag (src/cli/main.ts).
      const cfg = buildAgentConfig(o, process.env);
      const { runAgent } = await import('../../agent/run-agent.js');
      await runAgent(cfg);
    });
}
