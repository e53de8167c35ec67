import { Command, Option } from 'commander';
import { buildCertBootstrapConfig, CERT_BOOTSTRAP_FLAGS } from '../../webhook/cert-bootstrap-flags.js';
import { ENCLAVE_REQUEST_MODES, POLICY_MODES, WEBHOOK_DEFAULTS as D, type WebhookFlags } from '../../webhook/webhook-flags.js';

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
    // --kubeconfig written after `cert-bootstrap` reaches the parent (which has it too): pass it on.
    const cfg = buildCertBootstrapConfig(own, (cmd.parent?.opts() as { kubeconfig?: string } | undefined)?.kubeconfig);
    const { runCertBootstrapEntry } = await import('../../webhook/run-webhook.js');
    await runCertBootstrapEntry(cfg);
  });
}

/**
 * `epc webhook`: the admission enforcer (HTTPS AdmissionReview v1 on /mutate and /validate,
 * Prometheus metrics on a separate port). Prints one `ready` JSON line once serving, runs until
 * SIGINT/SIGTERM, then stops gracefully (src/webhook/run-webhook.ts).
 */
export function webhookCommand(): Command {
  return new Command('webhook')
    .description('admission enforcer: routes EPC pods through the device plugin, rejects pods reaching SGX without declaring EPC')
    .option('--host <addr>', 'bind address', D.host)
    .option('--port <n>', 'HTTPS port (0 = any free port)', D.port)
    .option('--tls-cert <file>', 'serving certificate (PEM, reloaded when it changes; required)')
    .option('--tls-key <file>', 'serving key (PEM, reloaded when it changes; required)')
    .option('--metrics-port <n>', 'Prometheus metrics port, plain HTTP (0 = any free port)', D.metricsPort)
    .option('--config <file>', 'YAML/JSON config: resourceNames, excludedNamespaces, policy, maxPodEpc, deviceHostPaths, controllerSocketDirs, enforcementHostPaths')
    .addOption(new Option('--policy <mode>', 'privileged containers in any pod outside the excluded namespaces: warn (default) or deny (strict)').choices(POLICY_MODES))
    .option('--max-pod-epc <quantity>', 'largest effective pod EPC, e.g. 256Mi (overrides the config)')
    .option('--exclude-namespace <ns...>', 'namespaces allowed untouched (replaces the config list)')
    .option('--tls-poll-interval <ms>', 'how often to check the TLS files for changes', D.tlsPollInterval)
    .addOption(new Option('--enclave-request <mode>', 'auto: add the enclave request only while some Node offers it (watches Nodes; otherwise admit with a warning); always: add it unconditionally (no API access)').choices(ENCLAVE_REQUEST_MODES).default(D.enclaveRequest))
    .option('--kubeconfig <file>', 'API server access for the Node watch (default: $KUBECONFIG, ~/.kube/config, else in-cluster)')
    .addCommand(certBootstrapCommand().exitOverride())
    .action(async (flags: WebhookFlags) => {
      // Every flag and the config file are checked before anything listens or dials; a
      // ConfigError exits 2 naming the flag (src/cli/main.ts).
      // The builder loads zod and yaml: imported here, not by every `epc` start.
      const { buildWebhookConfig, readWebhookConfigFile } = await import('../../webhook/webhook-cli-config.js');
      const cfg = buildWebhookConfig(flags, process.env, await readWebhookConfigFile(flags.config));
      const { runWebhook } = await import('../../webhook/run-webhook.js');
      await runWebhook(cfg);
    });
}
