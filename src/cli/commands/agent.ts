import { Command } from 'commander';
import { CliError } from '../cli-error.js';

/** Parsed `epc agent` flags (device-plugin part; the enforcement part extends this). */
export interface AgentFlags {
  devicePluginDir: string;
  devRoot: string;
  enclaveSlots: string;
  provisionSlots: string;
  enclaveResource: string;
  provisionResource: string;
  modelSocket?: string;
  standalone?: boolean;
}

function slots(flag: string, v: string, min: number): number {
  if (!/^\d+$/.test(v.trim())) throw new CliError(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(v)}`, 2);
  const n = Number(v);
  if (n < min) throw new CliError(`${flag} must be >= ${min}, got ${n}`, 2);
  return n;
}

/** `epc agent`: the node agent. For now the device plugins; cluster enforcement comes with the agent issue. */
export function agentCommand(): Command {
  return new Command('agent')
    .description('run the node agent: SGX device plugins (sgx.intel.com/enclave with PreStartContainer, sgx.intel.com/provision)')
    .option('--device-plugin-dir <dir>', 'kubelet device plugin directory', '/var/lib/kubelet/device-plugins')
    .option('--dev-root <dir>', 'root under which dev/sgx_enclave and dev/sgx_provision are looked up', '/')
    .option('--enclave-slots <n>', 'shareable enclave slots advertised (slot IDs enclave-0..n-1)', '110')
    .option('--provision-slots <n>', 'shareable provision slots advertised (0 = no provision plugin)', '110')
    .option('--enclave-resource <name>', 'extended resource name of the enclave slots', 'sgx.intel.com/enclave')
    .option('--provision-resource <name>', 'extended resource name of the provision slots', 'sgx.intel.com/provision')
    .option('--model-socket <path>', 'host path of the modeled EPC controller enclave socket (model node: mounted into containers instead of /dev/sgx_*)')
    .option('--standalone', 'run only the device plugins, without a cluster (enforcement off)')
    .action(async (o: AgentFlags) => {
      if (!o.standalone) throw new CliError('epc agent without --standalone (cluster mode with enforcement) is not built yet: it comes with the agent issue; use --standalone', 2);
      const { runStandaloneDevicePlugins } = await import('../../deviceplugin/sgx/run-standalone.js');
      const opts = {
        pluginDir: o.devicePluginDir,
        devRoot: o.devRoot,
        enclaveSlots: slots('--enclave-slots', o.enclaveSlots, 1),
        provisionSlots: slots('--provision-slots', o.provisionSlots, 0),
        enclaveResource: o.enclaveResource,
        provisionResource: o.provisionResource,
        modelSocketPath: o.modelSocket,
      };
      await runStandaloneDevicePlugins(opts, (msg) => new CliError(msg, 2));
    });
}
