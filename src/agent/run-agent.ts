/**
 * `epc agent` as a process, from its built config (agent-config.ts): `--standalone` runs only the
 * device plugins; cluster mode loads the kubeconfig (file or in-cluster/default), selects the EPC
 * backend, starts the NodeAgent, prints one `ready` JSON line on stdout, runs until SIGTERM/SIGINT
 * and stops cleanly (plugin sockets removed, limits left in place). What only I/O can tell is bad
 * (a missing plugin dir or kubeconfig, a busy metrics address) is a ConfigError naming the flag.
 */
import { EpcBackendError } from '../backend/epc-backend-error.js';
import { selectBackend } from '../backend/select-backend.js';
import { runStandaloneDevicePlugins } from '../deviceplugin/sgx/run-standalone.js';
import { checkPluginDirExists } from '../deviceplugin/sgx/start-sgx-plugins.js';
import { loadKubeAccess, type KubeAccess } from '../k8s/kube-access.js';
import { ConfigError } from '../util/config-error.js';
import { printReady, untilSignal } from '../util/process-lifecycle.js';
import { createLogger } from '../util/logger.js';
import type { AgentConfig } from './agent-config.js';
import { NodeAgent } from './node-agent.js';

/** The one entry of `epc agent`. */
export async function runAgent(cfg: Readonly<AgentConfig>): Promise<void> {
  if (cfg.standalone) return runStandaloneDevicePlugins(cfg.plugins);
  return runClusterAgent(cfg);
}

async function runClusterAgent(cfg: Readonly<AgentConfig>): Promise<void> {
  const log = createLogger('agent');
  const { plugins } = cfg;
  checkPluginDirExists(plugins.pluginDir);
  let kubeConfig: KubeAccess;
  try {
    kubeConfig = await loadKubeAccess({ file: cfg.kubeconfig });
  } catch (err) {
    throw new ConfigError('--kubeconfig', `--kubeconfig ${cfg.kubeconfig ?? '(default)'}: ${(err as Error).message}`);
  }
  let selection;
  try {
    selection = await selectBackend({ kind: cfg.backend, cgroupRoot: cfg.cgroupRoot, controllerSocketDir: cfg.controllerSocketDir, logger: log });
  } catch (err) {
    if (err instanceof EpcBackendError && err.code === 'EINVAL') throw new ConfigError('--epc-backend', err.message);
    throw err;
  }
  const { backend } = selection;
  const agent = new NodeAgent({
    kubeConfig, nodeName: cfg.nodeName, backend, missingControllerSocket: selection.missingControllerSocket, plugins, podResourcesSocket: cfg.podResourcesSocket, cgroupRoot: cfg.cgroupRoot,
    cgroupDriver: cfg.cgroupDriver, enforce: cfg.enforce, epcResource: cfg.epcResource, advertise: cfg.advertise, prestartTimeoutMs: cfg.prestartTimeoutMs,
    reconcileIntervalMs: cfg.reconcileIntervalMs, metricsAddr: cfg.metricsAddr, logger: log,
  });
  try {
    await agent.start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError('--metrics-addr', `--metrics-addr ${cfg.metricsAddr.host}:${cfg.metricsAddr.port}: address in use`);
    throw err;
  }
  // Said once at start (and again on every change): whether this node enforces, and why not.
  const controller = await agent.controller.probe();
  const enforcement = await agent.enforcement(controller);
  printReady({
    node: cfg.nodeName, backend: selection.kind, enforce: cfg.enforce, enforced: enforcement.enforced, reason: enforcement.reason,
    epcController: controller.usable ? 'usable' : controller.reason, metricsAddr: agent.metricsAddress ?? null,
  });
  const sig = await untilSignal();
  log.info({ signal: sig }, 'stopping the agent; EPC limits stay in place');
  await agent.stop();
}
