import { HealthServer } from '../util/health-server.js';
import { parseListenAddr } from '../util/listen-addr.js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CostModel } from '../epc/index.js';
import { createLogger, type Logger } from '../util/logger.js';
import { controlApi } from './control-api.js';
import type { HttpRouter } from './http-router.js';
import { ControllerMetrics } from './controller-metrics.js';
import type { ControllerState } from './controller-state.js';
import { CostDelay } from './cost-delay.js';
import { enclaveApi } from './enclave-api.js';
import { RealtimeModel } from './realtime-model.js';
import { SlotTable } from './slot-table.js';
import { UnixSocketServer } from './unix-socket-server.js';

import { ConnectionBudget, CONTROL_LIMITS, ENCLAVE_LIMITS, enclaveBudgetSize, type ConnectionLimits } from './connection-limits.js';
import { SlotSockets } from './slot-sockets.js';
import { ensureSocketDir, socketDirLengthProblem } from './socket-dir.js';
import { CONTROL_SOCKET, CONTROL_SOCKET_MODE, slotSocketPath } from '../contracts/controller-api/socket-names.js';

export { CONTROL_SOCKET, CONTROL_SOCKET_MODE, ENCLAVE_SOCKET, ENCLAVE_SOCKET_MODE, slotSocketPath } from '../contracts/controller-api/socket-names.js';

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
  /** Limits of each slot's enclave socket (default ENCLAVE_LIMITS). */
  enclaveLimits?: Partial<ConnectionLimits>;
  /** Connections across all enclave sockets (default 2048, at most half the fd limit). */
  maxEnclaveConnections?: number;
  logger?: Logger;
}

/**
 * `epc controller`: the EPC model of one node in real time, serving `control.sock` (agent,
 * operators) in `socketDir` and, for every slot the agent binds, that slot's enclave socket
 * `slots/<slot>/enclave.sock` (its pod), plus optional Prometheus metrics. control.sock is its own
 * server with its own limits; the enclave sockets share one connection budget and short timeouts.
 * `start`/`stop` are idempotent; stop removes every socket and releases every timer.
 */
export class EpcController {
  readonly controlSocket: string;
  readonly state: ControllerState;
  readonly metrics: ControllerMetrics;
  /** Shared by all enclave sockets (control.sock is outside it). */
  readonly enclaveBudget: ConnectionBudget;
  private readonly control: UnixSocketServer;
  private readonly controlRouter: HttpRouter;
  private readonly slotSockets: SlotSockets;
  private metricsServer: HealthServer | undefined;
  private metricsAddr: string | undefined;
  private phase: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly opts: EpcControllerOptions) {
    if (!Number.isSafeInteger(opts.capacityPages) || opts.capacityPages <= 0) throw new RangeError(`capacity must be a positive page count, got ${opts.capacityPages}`);
    const log = opts.logger ?? createLogger('controller');
    const rt = new RealtimeModel({ capacityPages: opts.capacityPages, costs: opts.costs });
    this.enclaveBudget = new ConnectionBudget(enclaveBudgetSize(opts.maxEnclaveConnections));
    const state: Omit<ControllerState, 'sockets'> = { rt, slots: new SlotTable(), delay: new CostDelay({ scale: opts.costScale ?? 1 }), log, faultRetryMs: opts.faultRetryMs ?? 1000, instance: randomUUID() };
    this.slotSockets = new SlotSockets({
      socketDir: opts.socketDir,
      listenerFor: (slot) => enclaveApi(this.state, slot).listener,
      limits: { ...ENCLAVE_LIMITS, ...opts.enclaveLimits },
      budget: this.enclaveBudget,
      log,
    });
    this.state = { ...state, sockets: this.slotSockets };
    this.metrics = new ControllerMetrics(() => rt.model.snapshot());
    this.controlSocket = join(opts.socketDir, CONTROL_SOCKET);
    this.controlRouter = controlApi(this.state);
    this.control = new UnixSocketServer(this.controlSocket, this.controlRouter.listener, { mode: CONTROL_SOCKET_MODE, limits: CONTROL_LIMITS });
  }

  /** Requests control.sock has answered (or is answering) since start: what the agent costs the controller. */
  get controlRequests(): number {
    return this.controlRouter.requests;
  }

  /** The host path of a slot's enclave socket (served while the slot is bound). */
  slotSocket(slot: string): string {
    return slotSocketPath(this.opts.socketDir, slot);
  }

  /** Starts serving; on failure everything already opened is closed again. One start/stop cycle
   *  per instance (the model's state dies with it): starting a stopped controller throws. */
  async start(): Promise<void> {
    if (this.phase === 'started') return;
    if (this.phase === 'stopped') throw new Error('this EpcController was stopped; create a new one');
    this.phase = 'started';
    try {
      const tooLong = socketDirLengthProblem(this.opts.socketDir);
      if (tooLong) throw new RangeError(tooLong);
      await ensureSocketDir(this.opts.socketDir);
      await this.slotSockets.prepare();
      await this.control.start();
      await this.slotSockets.startSpares();
      if (this.opts.metricsAddr) await this.startMetrics(this.opts.metricsAddr);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.state.log.info({ socketDir: this.opts.socketDir, capacityPages: this.opts.capacityPages, maxEnclaveConnections: this.enclaveBudget.max, metrics: this.metricsAddress() }, 'epc controller serving');
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
    await Promise.all([this.control.stop(), this.slotSockets.closeAll()]);
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
