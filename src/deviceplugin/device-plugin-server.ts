import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { rm } from 'node:fs/promises';
import type {
  AllocateRequest,
  AllocateResponse,
  Device,
  DevicePluginOptions,
  ListAndWatchResponse,
  PreferredAllocationRequest,
  PreferredAllocationResponse,
  PreStartContainerRequest,
} from '../contracts/device-plugin-api.js';
import { DevicePluginError, toServiceError } from './plugin-error.js';
import type { DevicePluginSpec } from './plugin-spec.js';
import { devicePluginServices } from '../contracts/load-proto.js';

/** Upper bounds on request shapes: far above anything kubelet sends, low enough to bound work. */
const MAX_CONTAINER_REQUESTS = 256;
const MAX_IDS_PER_REQUEST = 100_000;
/** PreStartContainerResponse is empty: one frozen reply for every call. */
const PRESTART_REPLY = Object.freeze({});

/** What the gRPC face reads from the plugin that owns it. */
export interface DevicePluginServerHost {
  readonly spec: DevicePluginSpec;
  readonly options: DevicePluginOptions;
  devices(): readonly Device[];
  isKnownDevice(id: string): boolean;
  /** A ListAndWatch stream opened / ended (any reason: kubelet, connection loss, our stop). */
  streamOpened(stream: ListAndWatchStream): void;
  streamEnded(stream: ListAndWatchStream): void;
}

/** One open ListAndWatch stream, tagged with the registration epoch it was opened in. */
export interface ListAndWatchStream {
  readonly call: ServerWritableStream<unknown, ListAndWatchResponse>;
  readonly epoch: number;
  ended: boolean;
}

/**
 * The v1beta1 `DevicePlugin` gRPC service of one plugin on one unix socket. Validates every
 * request (unknown or empty device IDs -> INVALID_ARGUMENT naming them) before the allocator
 * sees it; never throws out of a handler.
 */
export class DevicePluginServer {
  private server: Server | undefined;

  constructor(
    private readonly host: DevicePluginServerHost,
    private readonly epoch: () => number,
  ) {}

  /** Serves on `socketPath` (a stale file there is removed first). Resolves once listening. */
  async listen(socketPath: string): Promise<void> {
    if (this.server) return;
    await rm(socketPath, { force: true });
    // No channelz (nothing here reads it): with it on, grpc-js builds a call tracker with its own
    // closures for every call, and each container start is a call.
    const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024, 'grpc.enable_channelz': 0 });
    const { DevicePlugin } = devicePluginServices();
    server.addService(DevicePlugin.service, {
      GetDevicePluginOptions: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<DevicePluginOptions>) => cb(null, { ...this.host.options }),
      ListAndWatch: (call: ServerWritableStream<unknown, ListAndWatchResponse>) => this.listAndWatch(call),
      GetPreferredAllocation: (call: ServerUnaryCall<PreferredAllocationRequest, PreferredAllocationResponse>, cb: sendUnaryData<PreferredAllocationResponse>) =>
        void this.run(cb, () => this.preferred(call.request)),
      Allocate: (call: ServerUnaryCall<AllocateRequest, AllocateResponse>, cb: sendUnaryData<AllocateResponse>) => void this.run(cb, () => this.allocate(call.request)),
      PreStartContainer: (call: ServerUnaryCall<PreStartContainerRequest, object>, cb: sendUnaryData<object>) => void this.run(cb, () => this.preStart(call.request)),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    this.server = server;
  }

  /** Stops serving at once (open streams are ended by the owner before). Idempotent. */
  close(): void {
    const s = this.server;
    this.server = undefined;
    s?.forceShutdown();
  }

  private listAndWatch(call: ServerWritableStream<unknown, ListAndWatchResponse>): void {
    const stream: ListAndWatchStream = { call, epoch: this.epoch(), ended: false };
    const end = () => {
      if (stream.ended) return;
      stream.ended = true;
      this.host.streamEnded(stream);
    };
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    this.host.streamOpened(stream);
    call.write({ devices: [...this.host.devices()] });
  }

  private async run<T>(cb: sendUnaryData<T>, fn: () => Promise<T> | T): Promise<void> {
    try {
      cb(null, await fn());
    } catch (err) {
      cb(toServiceError(err));
    }
  }

  private checkIds(ids: unknown, field: string): string[] {
    if (!Array.isArray(ids) || ids.length === 0) throw new DevicePluginError(`${field} is empty: at least one device ID is required`);
    if (ids.length > MAX_IDS_PER_REQUEST) throw new DevicePluginError(`${field} has ${ids.length} IDs, more than ${MAX_IDS_PER_REQUEST}`);
    const bad = (id: unknown) => typeof id !== 'string' || !this.host.isKnownDevice(id);
    if (ids.some(bad)) {
      const unknown = ids.filter(bad);
      const shown = unknown.slice(0, 5).map((id) => JSON.stringify(id)).join(', ');
      throw new DevicePluginError(`${field}: unknown device ID${unknown.length > 1 ? 's' : ''} ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} for resource ${this.host.spec.resourceName}`);
    }
    return ids as string[];
  }

  private checkCount(n: number, field: string): void {
    if (n === 0) throw new DevicePluginError(`${field} is empty`);
    if (n > MAX_CONTAINER_REQUESTS) throw new DevicePluginError(`${field} has ${n} entries, more than ${MAX_CONTAINER_REQUESTS}`);
  }

  private async allocate(req: AllocateRequest): Promise<AllocateResponse> {
    const reqs = req.container_requests ?? [];
    this.checkCount(reqs.length, 'container_requests');
    const checked = reqs.map((c, i) => this.checkIds(c.devices_ids, `container_requests[${i}].devices_ids`));
    const container_responses = [];
    for (const ids of checked) container_responses.push(await this.host.spec.allocator.allocate(ids));
    return { container_responses };
  }

  private async preStart(req: PreStartContainerRequest): Promise<object> {
    const allocator = this.host.spec.allocator;
    if (!allocator.preStartContainer) throw new DevicePluginError(`PreStartContainer is not supported by ${this.host.spec.resourceName}`, status.UNIMPLEMENTED);
    await allocator.preStartContainer(this.checkIds(req.devices_ids, 'devices_ids'));
    return PRESTART_REPLY;
  }

  private async preferred(req: PreferredAllocationRequest): Promise<PreferredAllocationResponse> {
    const pick = this.host.spec.allocator.preferredAllocation?.bind(this.host.spec.allocator);
    if (!pick) throw new DevicePluginError(`GetPreferredAllocation is not supported by ${this.host.spec.resourceName}`, status.UNIMPLEMENTED);
    const reqs = req.container_requests ?? [];
    this.checkCount(reqs.length, 'container_requests');
    const container_responses = [];
    for (const [i, c] of reqs.entries()) {
      const available = this.checkIds(c.available_deviceIDs, `container_requests[${i}].available_deviceIDs`);
      const must = c.must_include_deviceIDs?.length ? this.checkIds(c.must_include_deviceIDs, `container_requests[${i}].must_include_deviceIDs`) : [];
      const size = c.allocation_size;
      if (!Number.isInteger(size) || size < 1 || size > available.length) {
        throw new DevicePluginError(`container_requests[${i}].allocation_size ${size} must be between 1 and the ${available.length} available devices`);
      }
      container_responses.push({ deviceIDs: [...(await pick({ available_deviceIDs: available, must_include_deviceIDs: must, allocation_size: size }))] });
    }
    return { container_responses };
  }
}
