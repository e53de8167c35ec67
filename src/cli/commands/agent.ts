import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { modelSocketDirOf } from '../../contracts/controller-api/socket-names.js';
import { DEFAULT_CONTROLLER_SOCKET_DIR, DEFAULT_METRICS_ADDR, DEFAULT_POD_RESOURCES_SOCKET, type AgentClusterFlags } from '../../agent/agent-config.js';
import { DEFAULT_CGROUP_ROOT } from '../../backend/cgroupfs-backend.js';
import { ENCLAVE_RESOURCE, EPC_RESOURCE, PROVISION_RESOURCE } from '../../pod/pod-epc.js';

/** Parsed `epc agent` flags: the device plugins, then cluster mode (enforcement). */
export interface AgentFlags extends AgentClusterFlags {
  devicePluginDir: string;
  devRoot: string;
  enclaveSlots: string;
  provisionSlots: string;
  enclaveResource: string;
  provisionResource: string;
  modelSocket?: string;
  standalone?: boolean;
}

/** A whole number; its upper bound (kubelet's 4 MiB ListAndWatch) is checked, without building any list, by validateSgxPluginsOptions. */
function slots(flag: string, v: string, min: number): number {
  if (!/^\d+$/.test(v.trim())) throw new CliError(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(v)}`, 2);
  const n = Number(v);
  if (n < min) throw new CliError(`${flag} must be >= ${min}, got ${n}`, 2);
  return n;
}

/** `epc agent`: the node agent (cluster mode with enforcement by default, or `--standalone` device plugins only). */
export function agentCommand(): Command {
  return new Command('agent')
    .description('run the node agent: SGX device plugins whose PreStartContainer binds each pod\'s EPC limit to its cgroup, reconcile, metrics, EPC advertisement')
    .option('--device-plugin-dir <dir>', 'kubelet device plugin directory', '/var/lib/kubelet/device-plugins')
    .option('--dev-root <dir>', 'root under which dev/sgx_enclave and dev/sgx_provision are looked up', '/')
    .option('--enclave-slots <n>', 'shareable enclave slots advertised (slot IDs enclave-0..n-1)', '110')
    .option('--provision-slots <n>', 'shareable provision slots advertised (0 = no provision plugin)', '110')
    .option('--enclave-resource <name>', 'extended resource name of the enclave slots (the webhook\'s resourceNames.enclave)', ENCLAVE_RESOURCE)
    .option('--provision-resource <name>', 'extended resource name of the provision slots (the webhook\'s resourceNames.provision)', PROVISION_RESOURCE)
    .option('--epc-resource <name>', 'extended resource name of a pod\'s EPC request in bytes, also advertised as Node capacity (the webhook\'s resourceNames.epc)', EPC_RESOURCE)
    .option('--model-socket <dir>', 'model node: the modeled EPC controller\'s socket dir; each container gets its slot\'s <dir>/slots/<slot> at /var/run/epc instead of /dev/sgx_* (the older form <dir>/enclave.sock names the same dir)')
    .option('--standalone', 'run only the device plugins, without a cluster (enforcement off)')
    .option('--kubeconfig <file>', 'kubeconfig of the API server (default: in-cluster config, else $KUBECONFIG / ~/.kube/config)')
    .option('--node-name <name>', 'this node (default $NODE_NAME); only pods bound to it are watched')
    .option('--pod-resources-socket <path>', 'kubelet pod-resources v1 socket', DEFAULT_POD_RESOURCES_SOCKET)
    .option('--controller-socket-dir <dir>', 'socket dir of `epc controller` (model backend)', DEFAULT_CONTROLLER_SOCKET_DIR)
    .option('--epc-backend <kind>', 'model | cgroupfs | auto (cgroupfs when the kernel has sgx_epc, else model when <controller-socket-dir>/control.sock exists, else none)', 'auto')
    .option('--cgroup-root <dir>', 'cgroup v2 mount (cgroupfs backend, cgroup driver detection)', DEFAULT_CGROUP_ROOT)
    .option('--cgroup-driver <driver>', 'kubelet cgroup driver: systemd | cgroupfs | auto', 'auto')
    .option('--metrics-addr <host:port>', 'serve /metrics, /healthz, /readyz here (port 0: any free port, logged in the ready line)', DEFAULT_METRICS_ADDR)
    .option('--advertise [bool]', 'advertise sgx.intel.com/epc on the Node status and label it (true|false)', 'true')
    .option('--enforce [mode]', 'auto: write each pod\'s EPC request as misc.max where the node has an EPC controller (kernel sgx_epc or the model), else observe-only (pods start unlimited); true: strict, refuse EPC pods where no EPC controller is usable; false: observe-only everywhere (auto|true|false; bare flag = true)', 'auto')
    .option('--prestart-timeout <duration>', 'bound on PreStartContainer before the start is refused (e.g. 10s, 500ms)', '10s')
    .option('--reconcile-interval <duration>', 'period of the full reconcile (drift, deleted pods)', '30s')
    .action(async (o: AgentFlags) => {
      // Every flag is checked before any work (nothing allocated, served or dialled), --standalone included.
      const plugins = {
        pluginDir: o.devicePluginDir,
        devRoot: o.devRoot,
        enclaveSlots: slots('--enclave-slots', o.enclaveSlots, 1),
        provisionSlots: slots('--provision-slots', o.provisionSlots, 0),
        enclaveResource: o.enclaveResource,
        provisionResource: o.provisionResource,
        modelSocketDir: o.modelSocket === undefined ? undefined : modelSocketDirOf(o.modelSocket),
      };
      const { validateSgxPluginsOptions, SgxPluginsConfigError } = await import('../../deviceplugin/sgx/start-sgx-plugins.js');
      const { parseAgentConfig, AgentConfigError } = await import('../../agent/agent-config.js');
      let cfg;
      try {
        cfg = parseAgentConfig(o, process.env, { standalone: o.standalone === true });
        validateSgxPluginsOptions(plugins);
      } catch (err) {
        if (err instanceof AgentConfigError || err instanceof SgxPluginsConfigError) throw new CliError(err.message, 2);
        throw err;
      }
      if (o.standalone) {
        const { runStandaloneDevicePlugins } = await import('../../deviceplugin/sgx/run-standalone.js');
        await runStandaloneDevicePlugins(plugins, (msg) => new CliError(msg, 2));
        return;
      }
      const { runClusterAgent } = await import('../../agent/run-agent.js');
      await runClusterAgent(cfg, plugins, (msg) => new CliError(msg, 2));
    });
}
