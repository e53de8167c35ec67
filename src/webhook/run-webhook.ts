/**
 * `epc webhook` as a process, from its built config: with `--enclave-request auto` starts the
 * Node watch (its first list before the server listens), serves HTTPS and metrics, prints one
 * `ready` JSON line, runs until SIGINT/SIGTERM and stops gracefully. No API access for the watch
 * is a ConfigError (exit 2, naming `--enclave-request`); a failed start (unreadable cert or key,
 * port in use) a RunFailure saying why, exit 2 as for other bad input.
 * `runCertBootstrapEntry`: the `cert-bootstrap` subcommand, likewise.
 */
import { loadKubeAccess } from '../k8s/kube-access.js';
import { ConfigError } from '../util/config-error.js';
import { createLogger } from '../util/logger.js';
import { printReady, untilSignal } from '../util/process-lifecycle.js';
import { RunFailure } from '../util/run-failure.js';
import type { CertBootstrapConfig } from './cert-bootstrap-flags.js';
import { NodeOfferWatch } from './node-offer-watch.js';
import { describeOffers } from './node-offers.js';
import type { WebhookRunConfig } from './webhook-cli-config.js';
import { startWebhookServer } from './webhook-server.js';

export async function runWebhook(cfg: Readonly<WebhookRunConfig>): Promise<void> {
  const logger = createLogger('webhook');
  const enclave = cfg.review.resourceNames.enclave;
  // --enclave-request auto: a Node watch tells /mutate whether some Node offers the enclave
  // resource; its first list is attempted before the server listens (fail-open after that).
  let watch: NodeOfferWatch | undefined;
  if (cfg.enclaveRequest === 'auto') {
    let access;
    try {
      access = await loadKubeAccess({ file: cfg.kube.file, env: { ...cfg.kube.env } });
    } catch (err) {
      throw new ConfigError('--enclave-request', `--enclave-request auto watches Nodes, but no API server access: ${(err as Error).message} (pass --kubeconfig, run in a pod, or --enclave-request always)`);
    }
    watch = new NodeOfferWatch({ kubeConfig: access, resource: enclave, logger });
    await watch.start();
  }
  let server;
  try {
    server = await startWebhookServer({
      config: cfg.review, host: cfg.host, port: cfg.port, metricsPort: cfg.metricsPort, tlsCertFile: cfg.tlsCertFile, tlsKeyFile: cfg.tlsKeyFile, tlsPollIntervalMs: cfg.tlsPollIntervalMs, logger, offers: watch,
    });
  } catch (err) {
    await watch?.stop();
    // An unreadable certificate or key (the message names the file), or a port in use: exit 2 as
    // for other bad input, as before.
    throw new RunFailure(`cannot start: ${(err as Error).message}`, { cause: err, exitCode: 2 });
  }
  // Handlers before the ready line: a SIGTERM right after it still stops gracefully.
  const signalled = untilSignal();
  const shown = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  printReady({
    url: `https://${shown}:${server.port}`, port: server.port, metricsUrl: `http://${shown}:${server.metricsPort}/metrics`, metricsPort: server.metricsPort,
    policy: cfg.review.policy, enclaveRequest: cfg.enclaveRequest, enclave: watch ? describeOffers(watch.state(), enclave) : 'enclave request always added',
  });
  logger.info({ port: server.port, metricsPort: server.metricsPort, policy: cfg.review.policy, enclaveRequest: cfg.enclaveRequest }, 'webhook started');
  const sig = await signalled;
  logger.info({ sig }, 'stopping');
  await server.stop();
  await watch?.stop();
}

/** `epc webhook cert-bootstrap`: one bootstrap, then the `ready` line; a failure is a RunFailure (exit 1) naming the API call. */
export async function runCertBootstrapEntry(cfg: CertBootstrapConfig): Promise<void> {
  const { runCertBootstrap } = await import('./cert-bootstrap.js');
  let r;
  try {
    r = await runCertBootstrap(cfg, createLogger('cert-bootstrap'));
  } catch (err) {
    throw new RunFailure(`cert-bootstrap: ${(err as Error).message}`, { cause: err });
  }
  printReady({ secret: r.secret, patched: r.patched });
}
