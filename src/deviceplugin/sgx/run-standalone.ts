import { createLogger } from '../../util/logger.js';
import { printReady, untilSignal } from '../../util/process-lifecycle.js';
import { SgxPluginsConfigError, startSgxPlugins, type SgxPlugins, type SgxPluginsOptions } from './start-sgx-plugins.js';

/**
 * Starts the SGX device plugins (config errors become `badInput(message)`, e.g. a CliError with
 * exit 2). Used by `epc agent`; the enforcement part of the agent passes its own preStartHook.
 */
export async function startSgxPluginsForCli(opts: SgxPluginsOptions, badInput: (msg: string) => Error): Promise<SgxPlugins> {
  try {
    return await startSgxPlugins({ logger: createLogger('deviceplugin'), ...opts });
  } catch (err) {
    if (err instanceof SgxPluginsConfigError) throw badInput(err.message);
    throw err;
  }
}

/**
 * `epc agent --standalone`: only the device plugins, no cluster, enforcement off (the default
 * PreStart hook admits everything; it says so in the log). Prints one `ready` JSON line on
 * stdout, runs until SIGINT/SIGTERM, then stops cleanly (sockets removed).
 */
export async function runStandaloneDevicePlugins(opts: SgxPluginsOptions, badInput: (msg: string) => Error): Promise<void> {
  const log = createLogger('agent');
  const plugins = await startSgxPluginsForCli(opts, badInput);
  log.warn({ mode: plugins.mode.kind }, 'standalone: device plugins only, no cluster; EPC enforcement is OFF (PreStartContainer admits every container)');
  printReady({ mode: plugins.mode.kind, sockets: plugins.plugins.map((p) => p.socketPath) });
  const sig = await untilSignal();
  log.info({ signal: sig }, 'stopping device plugins');
  await plugins.stop();
}
