/**
 * `epc agent` in cluster mode as a process: loads the kubeconfig (file or in-cluster/default),
 * selects the EPC backend, starts the NodeAgent, prints one `ready` JSON line on stdout, runs
 * until SIGTERM/SIGINT and stops cleanly (plugin sockets removed, limits left in place).
 */
import { EpcBackendError } from '../backend/epc-backend-error.js';
import { selectBackend } from '../backend/select-backend.js';
import { SgxPluginsConfigError, type SgxPluginsOptions } from '../deviceplugin/sgx/start-sgx-plugins.js';
import { loadKubeAccess, type KubeAccess } from '../k8s/kube-access.js';
import { printReady, untilSignal } from '../util/process-lifecycle.js';
import { createLogger } from '../util/logger.js';
import type { AgentConfig } from './agent-config.js';
import { NodeAgent } from './node-agent.js';

export async function runClusterAgent(cfg: AgentConfig, plugins: Omit<SgxPluginsOptions, 'preStartHook' | 'logger' | 'onEvent'>, badInput: (msg: string) => Error): Promise<void> {
  const log = createLogger('agent');
  let kubeConfig: KubeAccess;
  try {
    kubeConfig = await loadKubeAccess({ file: cfg.kubeconfig });
  } catch (err) {
    throw badInput(`--kubeconfig ${cfg.kubeconfig ?? '(default)'}: ${(err as Error).message}`);
  }
  let selection;
  try {
    selection = await selectBackend({ kind: cfg.backend, cgroupRoot: cfg.cgroupRoot, controllerSocketDir: cfg.controllerSocketDir, logger: log });
  } catch (err) {
    if (err instanceof EpcBackendError && err.code === 'EINVAL') throw badInput(err.message);
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
    if (err instanceof SgxPluginsConfigError) throw badInput(err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw badInput(`--metrics-addr ${cfg.metricsAddr.host}:${cfg.metricsAddr.port}: address in use`);
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
