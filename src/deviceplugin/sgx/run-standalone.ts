import { createLogger } from '../../util/logger.js';
import { printReady, untilSignal } from '../../util/process-lifecycle.js';
import { startSgxPlugins, type SgxPluginsOptions } from './start-sgx-plugins.js';

/**
 * `epc agent --standalone`: only the device plugins, no cluster, enforcement off (the default
 * PreStart hook admits everything; it says so in the log). Prints one `ready` JSON line on
 * stdout, runs until SIGINT/SIGTERM, then stops cleanly (sockets removed). A bad option rejects
 * with SgxPluginsConfigError (a ConfigError naming the flag).
 */
export async function runStandaloneDevicePlugins(opts: SgxPluginsOptions): Promise<void> {
  const log = createLogger('agent');
  const plugins = await startSgxPlugins({ logger: createLogger('deviceplugin'), ...opts });
  log.warn({ mode: plugins.mode.kind }, 'standalone: device plugins only, no cluster; EPC enforcement is OFF (PreStartContainer admits every container)');
  printReady({ mode: plugins.mode.kind, sockets: plugins.plugins.map((p) => p.socketPath) });
  const sig = await untilSignal();
  log.info({ signal: sig }, 'stopping device plugins');
  await plugins.stop();
}
