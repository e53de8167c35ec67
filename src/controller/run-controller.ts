/**
 * `epc controller` as a process, from its built config: creates the socket dir, serves
 * control.sock and one enclave socket per bound slot (and metrics), prints one `ready` JSON line,
 * runs until SIGINT/SIGTERM and stops (sockets removed). An unusable socket dir is a ConfigError
 * naming `--socket-dir`; a failed start is a RunFailure (exit 1) saying why.
 */
import { ConfigError } from '../util/config-error.js';
import { printReady, untilSignal } from '../util/process-lifecycle.js';
import { RunFailure } from '../util/run-failure.js';
import type { ControllerConfig } from './controller-config.js';
import { EpcController } from './epc-controller.js';
import { SocketDirError } from './socket-dir.js';
import { SocketInUseError } from './unix-socket-server.js';

export async function runController(cfg: Readonly<ControllerConfig>): Promise<void> {
  const controller = new EpcController(cfg);
  try {
    await controller.start(); // creates the socket dir first
  } catch (err) {
    if (err instanceof SocketDirError) throw new ConfigError('--socket-dir', `--socket-dir unusable: ${err.message}`);
    if (err instanceof SocketInUseError) throw new RunFailure(err.message, { cause: err });
    throw new RunFailure(`cannot start: ${(err as Error).message}`, { cause: err });
  }
  printReady({ controlSocket: controller.controlSocket, slotSocket: controller.slotSocket('<slot>'), metricsAddr: controller.metricsAddress() ?? null, capacityPages: cfg.capacityPages });
  await untilSignal();
  await controller.stop().catch(() => undefined);
}
