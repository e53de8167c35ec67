import { mkdir } from 'node:fs/promises';
import { HealthServer } from '../util/health-server.js';
import { parseListenAddr } from '../util/listen-addr.js';
import { join } from 'node:path';
import type { CostModel } from '../epc/index.js';
import { createLogger, type Logger } from '../util/logger.js';
import { controlApi } from './control-api.js';
import { ControllerMetrics } from './controller-metrics.js';
import type { ControllerState } from './controller-state.js';
import { CostDelay } from './cost-delay.js';
import { enclaveApi } from './enclave-api.js';
import { RealtimeModel } from './realtime-model.js';
import { SlotTable } from './slot-table.js';
import { UnixSocketServer } from './unix-socket-server.js';

import { CONTROL_SOCKET, CONTROL_SOCKET_MODE, ENCLAVE_SOCKET, ENCLAVE_SOCKET_MODE } from './socket-names.js';

export { CONTROL_SOCKET, CONTROL_SOCKET_MODE, ENCLAVE_SOCKET, ENCLAVE_SOCKET_MODE } from './socket-names.js';

/** Options of `EpcController`. */
export interface EpcControllerOptions {
  socketDir: string;
  capacityPages: number;
  /** Multiplier on simulated paging time applied as caller delay (default 1; 0 = none). */
  costScale?: number;
  costs?: Partial<CostModel>;
  /** `host:port` for Prometheus `/metrics`; none when absent. Port 0 picks a free port. */
  metricsAddr?: string;
  /** EBUSY fault retry window (default 1000 ms). */
  faultRetryMs?: number;
  logger?: Logger;
}

/**
 * `epc controller`: the EPC model of one node in real time, serving `control.sock` (agent,
 * operators) and `enclave.sock` (pods) in `socketDir`, plus optional Prometheus metrics.
 * `start`/`stop` are idempotent; stop removes both sockets and releases every timer.
 */
export class EpcController {
  readonly controlSocket: string;
  readonly enclaveSocket: string;
  readonly state: ControllerState;
  readonly metrics: ControllerMetrics;
  private readonly control: UnixSocketServer;
  private readonly enclave: UnixSocketServer;
  private metricsServer: HealthServer | undefined;
  private metricsAddr: string | undefined;
  private phase: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly opts: EpcControllerOptions) {
    if (!Number.isSafeInteger(opts.capacityPages) || opts.capacityPages <= 0) throw new RangeError(`capacity must be a positive page count, got ${opts.capacityPages}`);
    const log = opts.logger ?? createLogger('controller');
    const rt = new RealtimeModel({ capacityPages: opts.capacityPages, costs: opts.costs });
    this.state = { rt, slots: new SlotTable(), delay: new CostDelay({ scale: opts.costScale ?? 1 }), log, faultRetryMs: opts.faultRetryMs ?? 1000 };
    this.metrics = new ControllerMetrics(() => rt.model.snapshot());
    this.controlSocket = join(opts.socketDir, CONTROL_SOCKET);
    this.enclaveSocket = join(opts.socketDir, ENCLAVE_SOCKET);
    this.control = new UnixSocketServer(this.controlSocket, controlApi(this.state).listener, CONTROL_SOCKET_MODE);
    this.enclave = new UnixSocketServer(this.enclaveSocket, enclaveApi(this.state).listener, ENCLAVE_SOCKET_MODE);
  }

  /** Starts serving; on failure everything already opened is closed again. One start/stop cycle
   *  per instance (the model's state dies with it): starting a stopped controller throws. */
  async start(): Promise<void> {
    if (this.phase === 'started') return;
    if (this.phase === 'stopped') throw new Error('this EpcController was stopped; create a new one');
    this.phase = 'started';
    try {
      await mkdir(this.opts.socketDir, { recursive: true });
      await this.control.start();
      await this.enclave.start();
      if (this.opts.metricsAddr) await this.startMetrics(this.opts.metricsAddr);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.state.log.info({ socketDir: this.opts.socketDir, capacityPages: this.opts.capacityPages, metrics: this.metricsAddress() }, 'epc controller serving');
  }

  /** The bound metrics address (`host:port`), if serving metrics. */
  metricsAddress(): string | undefined {
    return this.metricsAddr;
  }

  /** Stops all servers, the scheduler and pending delays; removes the sockets. Safe twice. */
  async stop(): Promise<void> {
    if (this.phase === 'new') return;
    this.phase = 'stopped';
    this.state.rt.stop();
    this.state.delay.cancelAll();
    await Promise.all([this.control.stop(), this.enclave.stop()]);
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    this.metricsAddr = undefined;
  }

  private async startMetrics(addr: string): Promise<void> {
    let listen: { host: string; port: number };
    try {
      listen = parseListenAddr(addr, '--metrics-addr', '127.0.0.1');
    } catch (err) {
      throw new RangeError((err as Error).message);
    }
    const server = new HealthServer({
      metrics: async () => ({ contentType: this.metrics.registry.contentType, text: await this.metrics.metrics() }),
      // Serving at all is ready: the sockets are up before the metrics endpoint starts.
      readiness: async () => ({}),
    });
    this.metricsAddr = await server.listen(listen);
    this.metricsServer = server;
  }
}
