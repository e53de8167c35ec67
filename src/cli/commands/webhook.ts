import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { CERT_BOOTSTRAP_FLAGS } from '../../webhook/cert-bootstrap-flags.js';
import { ConfigError } from '../../util/config-error.js';
import { intFlag, portFlag } from '../../util/flag-values.js';

interface WebhookFlags {
  host: string;
  port: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort: string;
  config?: string;
  policy?: string;
  maxPodEpc?: string;
  excludeNamespace?: string[];
  tlsPollInterval: string;
  enclaveRequest: 'auto' | 'always';
  kubeconfig?: string;
}

/**
 * `epc webhook cert-bootstrap`: the webhook pod's init container. Makes (or reuses, or renews)
 * the webhook's self-signed CA and serving certificate in a Secret, writes them to --out-dir and
 * sets the webhook configurations' caBundle (src/webhook/cert-bootstrap.ts), then prints one
 * `ready` line. Exit 0 done, 1 failed (the message names the API call), 2 bad flags.
 */
function certBootstrapCommand(): Command {
  const cmd = new Command('cert-bootstrap').description('make or reuse the webhook serving certificate (Secret, files, caBundle); the webhook pod\'s init container');
  for (const [flag, help] of Object.entries(CERT_BOOTSTRAP_FLAGS)) cmd.option(`--${flag} <value>`, help);
  return cmd.action(async (own: Record<string, string | undefined>) => {
    // `epc webhook` has --kubeconfig too (its Node watch) and commander hands an option written
    // after the subcommand name to the parent that knows it: take the parent's value as well.
    const parentKubeconfig = (cmd.parent?.opts() as { kubeconfig?: string } | undefined)?.kubeconfig;
    const o: Record<string, string | undefined> = { ...(parentKubeconfig !== undefined ? { kubeconfig: parentKubeconfig } : {}), ...own };
    const values = Object.fromEntries(Object.keys(CERT_BOOTSTRAP_FLAGS).map((f) => [f, o[f.replace(/-(.)/g, (_, c: string) => c.toUpperCase())]]));
    const missing = Object.keys(CERT_BOOTSTRAP_FLAGS).filter((f) => f !== 'kubeconfig' && !values[f]);
    if (missing.length > 0) throw new CliError(`cert-bootstrap: missing ${missing.map((f) => `--${f}`).join(', ')}`, 2);
    const { runCertBootstrap } = await import('../../webhook/cert-bootstrap.js');
    const { createLogger } = await import('../../util/logger.js');
    const { printReady } = await import('../../util/process-lifecycle.js');
    let r;
    try {
      r = await runCertBootstrap(values, createLogger('cert-bootstrap'));
    } catch (err) {
      throw new CliError(`cert-bootstrap: ${(err as Error).message}`, 1);
    }
    printReady({ secret: r.secret, patched: r.patched });
  });
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
    .option('--tls-cert <file>', 'serving certificate (PEM, reloaded when it changes; required)')
    .option('--tls-key <file>', 'serving key (PEM, reloaded when it changes; required)')
    .option('--metrics-port <n>', 'Prometheus metrics port, plain HTTP (0 = any free port)', '9090')
    .option('--config <file>', 'YAML/JSON config: resourceNames, excludedNamespaces, policy, maxPodEpc, deviceHostPaths, controllerSocketDirs, enforcementHostPaths')
    .addOption(new Option('--policy <mode>', 'privileged containers in any pod outside the excluded namespaces: warn (default) or deny (strict)').choices(['default', 'strict']))
    .option('--max-pod-epc <quantity>', 'largest effective pod EPC, e.g. 256Mi (overrides the config)')
    .option('--exclude-namespace <ns...>', 'namespaces allowed untouched (replaces the config list)')
    .option('--tls-poll-interval <ms>', 'how often to check the TLS files for changes', '2000')
    .addOption(new Option('--enclave-request <mode>', 'auto: add the enclave request only while some Node offers it (watches Nodes; otherwise admit with a warning); always: add it unconditionally (no API access)').choices(['auto', 'always']).default('auto'))
    .option('--kubeconfig <file>', 'API server access for the Node watch (default: $KUBECONFIG, ~/.kube/config, else in-cluster)')
    .addCommand(certBootstrapCommand().exitOverride())
    .action(async (flags: WebhookFlags) => {
      // Checked here, not by commander: a parent's required options would bind `cert-bootstrap` too.
      const { tlsCert, tlsKey } = flags;
      if (tlsCert === undefined) throw new ConfigError('--tls-cert', "required option '--tls-cert <file>' not specified");
      if (tlsKey === undefined) throw new ConfigError('--tls-key', "required option '--tls-key <file>' not specified");
      const { resolveWebhookConfig, loadWebhookConfigFile, WebhookConfigError, startWebhookServer } = await import('../../webhook/index.js');
      const { createLogger } = await import('../../util/logger.js');
      const port = portFlag('--port', flags.port);
      const metricsPort = portFlag('--metrics-port', flags.metricsPort);
      const poll = intFlag('--tls-poll-interval', flags.tlsPollInterval, { min: 10 });
      let config;
      try {
        const file = flags.config ? await loadWebhookConfigFile(flags.config) : {};
        config = resolveWebhookConfig(file, { policy: flags.policy, maxPodEpc: flags.maxPodEpc, excludedNamespaces: flags.excludeNamespace });
      } catch (err) {
        if (err instanceof WebhookConfigError) throw new CliError(`bad configuration: ${err.message}`, 2);
        throw err;
      }
      const logger = createLogger('webhook');
      // --enclave-request auto: a Node watch tells /mutate whether some Node offers the enclave
      // resource; its first list is attempted before the server listens (fail-open after that).
      const { NodeOfferWatch, describeOffers } = await import('../../webhook/index.js');
      let watch: InstanceType<typeof NodeOfferWatch> | undefined;
      if (flags.enclaveRequest === 'auto') {
        const { loadKubeAccess } = await import('../../k8s/kube-access.js');
        let access;
        try {
          access = await loadKubeAccess({ file: flags.kubeconfig });
        } catch (err) {
          throw new CliError(`--enclave-request auto watches Nodes, but no API server access: ${(err as Error).message} (pass --kubeconfig, run in a pod, or --enclave-request always)`, 2);
        }
        watch = new NodeOfferWatch({ kubeConfig: access, resource: config.resourceNames.enclave, logger });
        await watch.start();
      }
      let server;
      try {
        server = await startWebhookServer({
          config, host: flags.host, port, metricsPort, tlsCertFile: tlsCert, tlsKeyFile: tlsKey, tlsPollIntervalMs: poll, logger, offers: watch,
        });
      } catch (err) {
        await watch?.stop();
        throw new CliError(`cannot start: ${(err as Error).message}`, 2);
      }
      // Handlers before the start line: a SIGTERM right after it still stops gracefully.
      const { untilSignal } = await import('../../util/process-lifecycle.js');
      const signalled = untilSignal();
      const shown = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
      const enclave = watch ? describeOffers(watch.state(), config.resourceNames.enclave) : `enclave request always added`;
      process.stdout.write(`epc webhook: listening on https://${shown}:${server.port} (metrics http://${shown}:${server.metricsPort}/metrics, policy ${config.policy}; ${enclave})\n`);
      logger.info({ port: server.port, metricsPort: server.metricsPort, policy: config.policy, enclaveRequest: flags.enclaveRequest }, 'webhook started');
      const sig = await signalled;
      logger.info({ sig }, 'stopping');
      await server.stop();
      await watch?.stop();
    });
}
