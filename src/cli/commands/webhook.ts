import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';

interface WebhookFlags {
  host: string;
  port: string;
  tlsCert: string;
  tlsKey: string;
  metricsPort: string;
  config?: string;
  policy?: string;
  maxPodEpc?: string;
  excludeNamespace?: string[];
  tlsPollInterval: string;
}

function portFlag(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--${name}: must be a port number 0-65535, got ${JSON.stringify(value)}`, 2);
  return n;
}

/**
 * `epc webhook`: the admission enforcer (HTTPS AdmissionReview v1 on /mutate and /validate,
 * Prometheus metrics on a separate port). Runs until SIGINT/SIGTERM, then stops gracefully.
 * Prints one line on stdout once listening: `epc webhook: listening on https://H:P ...`.
 */
export function webhookCommand(): Command {
  return new Command('webhook')
    .description('admission enforcer: routes EPC pods through the device plugin, rejects pods reaching SGX without declaring EPC')
    .option('--host <addr>', 'bind address', '0.0.0.0')
    .option('--port <n>', 'HTTPS port (0 = any free port)', '8443')
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM, reloaded when it changes)')
    .requiredOption('--tls-key <file>', 'serving key (PEM, reloaded when it changes)')
    .option('--metrics-port <n>', 'Prometheus metrics port, plain HTTP (0 = any free port)', '9090')
    .option('--config <file>', 'YAML/JSON config: resourceNames, excludedNamespaces, policy, maxPodEpc, deviceHostPaths')
    .addOption(new Option('--policy <mode>', 'privileged containers in SGX pods: warn (default) or deny (strict)').choices(['default', 'strict']))
    .option('--max-pod-epc <quantity>', 'largest effective pod EPC, e.g. 256Mi (overrides the config)')
    .option('--exclude-namespace <ns...>', 'namespaces allowed untouched (replaces the config list)')
    .option('--tls-poll-interval <ms>', 'how often to check the TLS files for changes', '2000')
    .action(async (flags: WebhookFlags) => {
      const { resolveWebhookConfig, loadWebhookConfigFile, WebhookConfigError, startWebhookServer } = await import('../../webhook/index.js');
      const { createLogger } = await import('../../util/logger.js');
      const port = portFlag('port', flags.port);
      const metricsPort = portFlag('metrics-port', flags.metricsPort);
      const poll = Number(flags.tlsPollInterval);
      if (!Number.isInteger(poll) || poll < 10) throw new CliError(`--tls-poll-interval: must be an integer >= 10 (ms), got ${JSON.stringify(flags.tlsPollInterval)}`, 2);
      let config;
      try {
        const file = flags.config ? await loadWebhookConfigFile(flags.config) : {};
        config = resolveWebhookConfig(file, { policy: flags.policy, maxPodEpc: flags.maxPodEpc, excludedNamespaces: flags.excludeNamespace });
      } catch (err) {
        if (err instanceof WebhookConfigError) throw new CliError(`bad configuration: ${err.message}`, 2);
        throw err;
      }
      const logger = createLogger('webhook');
      let server;
      try {
        server = await startWebhookServer({
          config, host: flags.host, port, metricsPort, tlsCertFile: flags.tlsCert, tlsKeyFile: flags.tlsKey, tlsPollIntervalMs: poll, logger,
        });
      } catch (err) {
        throw new CliError(`cannot start: ${(err as Error).message}`, 2);
      }
      const shown = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
      process.stdout.write(`epc webhook: listening on https://${shown}:${server.port} (metrics http://${shown}:${server.metricsPort}/metrics, policy ${config.policy})\n`);
      logger.info({ port: server.port, metricsPort: server.metricsPort, policy: config.policy }, 'webhook started');
      const { untilSignal } = await import('../../util/process-lifecycle.js');
      const sig = await untilSignal();
      logger.info({ sig }, 'stopping');
      await server.stop();
    });
}
