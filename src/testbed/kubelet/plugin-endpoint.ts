import { credentials, status, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type {
  AllocateResponse,
  ContainerAllocateResponse,
  Device,
  DevicePluginOptions,
  ListAndWatchResponse,
  PreferredAllocationResponse,
} from '../../contracts/device-plugin-api.js';
import { devicePluginServices } from '../../contracts/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../contracts/grpc-channel.js';

/** Kubelet's PreStartContainer timeout. */
export const PRE_START_TIMEOUT_MS = 30_000;
/** How long kubelet waits for GetDevicePluginOptions inside Register. */
export const OPTIONS_TIMEOUT_MS = 10_000;

type Unary = (req: unknown, opts: { deadline?: number }, cb: (err: ServiceError | null, res: unknown) => void) => void;

/**
 * Kubelet's client to one registered plugin: dials its socket, reads its options, follows its
 * ListAndWatch stream (with the receive cap) and makes the admission calls. Allocate carries
 * no deadline, as in kubelet.
 */
export class PluginEndpoint {
  private readonly client: Client & Record<string, Unary>;
  private stream: ClientReadableStream<ListAndWatchResponse> | undefined;
  private closed = false;
  private endStream: ((err: { code: number; message: string } | undefined) => void) | undefined;
  options: DevicePluginOptions = { pre_start_required: false, get_preferred_allocation_available: false };

  constructor(
    readonly resourceName: string,
    readonly socketPath: string,
    maxReceiveBytes: number,
  ) {
    const { DevicePlugin } = devicePluginServices();
    this.client = new DevicePlugin(`unix:${socketPath}`, credentials.createInsecure(), {
      ...PRIVATE_CHANNEL_OPTIONS,
      'grpc.max_receive_message_length': maxReceiveBytes,
    }) as unknown as Client & Record<string, Unary>;
  }

  private call<T>(method: string, req: unknown, timeoutMs?: number): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  /** GetDevicePluginOptions, as kubelet does inside Register. */
  async fetchOptions(): Promise<DevicePluginOptions> {
    const o = await this.call<DevicePluginOptions>('GetDevicePluginOptions', {}, OPTIONS_TIMEOUT_MS);
    this.options = { pre_start_required: !!o.pre_start_required, get_preferred_allocation_available: !!o.get_preferred_allocation_available };
    return this.options;
  }

  /** Opens ListAndWatch; `onList` gets every full list, `onEnd` once when the stream ends for any reason. */
  watch(onList: (devices: Device[]) => void, onEnd: (err: { code: number; message: string } | undefined) => void): void {
    const stream = (this.client as unknown as { ListAndWatch(req: unknown): ClientReadableStream<ListAndWatchResponse> }).ListAndWatch({});
    this.stream = stream;
    let ended = false;
    const end = (err?: { code: number; message: string }) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    this.endStream = end;
    stream.on('data', (msg: ListAndWatchResponse) => onList(msg.devices ?? []));
    stream.on('error', (err: ServiceError) => end({ code: err.code ?? status.UNKNOWN, message: err.details || err.message }));
    stream.on('end', () => end(undefined));
    stream.on('close', () => end(undefined));
  }

  async preferredAllocation(available: string[], mustInclude: string[], size: number): Promise<string[]> {
    const res = await this.call<PreferredAllocationResponse>('GetPreferredAllocation', {
      container_requests: [{ available_deviceIDs: available, must_include_deviceIDs: mustInclude, allocation_size: size }],
    });
    return res.container_responses?.[0]?.deviceIDs ?? [];
  }

  /** One Allocate carrying device IDs only (no pod, container or UID), no deadline. */
  async allocate(ids: string[]): Promise<ContainerAllocateResponse> {
    const res = await this.call<AllocateResponse>('Allocate', { container_requests: [{ devices_ids: ids }] });
    const c = res.container_responses?.[0];
    if (!c) throw new Error(`Allocate for ${this.resourceName} returned no container response`);
    return c;
  }

  preStart(ids: string[]): Promise<unknown> {
    return this.call('PreStartContainer', { devices_ids: ids }, PRE_START_TIMEOUT_MS);
  }

  /**
   * Ends the stream and the connection (the plugin sees its ListAndWatch cancelled). The
   * stream's end callback runs synchronously, so kubelet's view is updated on return. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endStream?.({ code: status.CANCELLED, message: 'closed by kubelet' });
    this.stream?.cancel();
    this.client.close();
  }
}
