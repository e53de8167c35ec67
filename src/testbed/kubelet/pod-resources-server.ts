import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceClientConstructor } from '@grpc/grpc-js';
import { rm } from 'node:fs/promises';
import { podResourcesService, type ContainerDevicesMsg, type PodResourcesMsg } from '../../contracts/pod-resources-api.js';
import { RateBudget } from '../../util/rate-budget.js';

/** Kubelet's pod-resources rate limit: 100 requests per second, burst 10. */
export const POD_RESOURCES_QPS = 100;
export const POD_RESOURCES_BURST = 10;

/** What the server reads: committed allocations and allocatable devices. */
export interface PodResourcesSource {
  listPods(): PodResourcesMsg[];
  allocatableDevices(): ContainerDevicesMsg[];
  /**
   * Optional: a number that changes whenever `listPods` would answer differently. With it the
   * server encodes the `List` answer once per change instead of once per call.
   */
  listVersion?(): number;
}

/**
 * Kubelet's pod-resources v1 server (List / Get / GetAllocatableResources) on its own socket,
 * with kubelet's rate limit (100 qps, burst 10, then RESOURCE_EXHAUSTED).
 */
export class PodResourcesServer {
  private server: Server | undefined;
  private readonly bucket: RateBudget | undefined;
  /** List calls received so far (answered or refused by the rate limit). */
  listCalls = 0;

  constructor(
    private readonly source: PodResourcesSource,
    rateLimit: { qps: number; burst: number } | false = { qps: POD_RESOURCES_QPS, burst: POD_RESOURCES_BURST },
  ) {
    this.bucket = rateLimit ? new RateBudget(rateLimit.qps, rateLimit.burst) : undefined;
  }

  async listen(socketPath: string): Promise<void> {
    if (this.server) return;
    await rm(socketPath, { force: true });
    const server = new Server();
    const limited = <Req, Res>(fn: (req: Req) => Res) => (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
      if (this.bucket && !this.bucket.take()) return cb({ code: status.RESOURCE_EXHAUSTED, details: 'rejected by rate limit' });
      try {
        cb(null, fn(call.request));
      } catch (err) {
        cb({ code: (err as { code?: number }).code ?? status.INTERNAL, details: (err as Error).message });
      }
    };
    const service = podResourcesService().service;
    const encodeList = service.List.responseSerialize;
    let cached: { version: number; bytes: Buffer } | undefined;
    const list = (): Buffer | object => {
      const version = this.source.listVersion?.();
      if (version === undefined) return { pod_resources: this.source.listPods() };
      if (cached?.version !== version) cached = { version, bytes: encodeList({ pod_resources: this.source.listPods() }) };
      return cached.bytes;
    };
    // List answers may be pre-encoded bytes (see listVersion); everything else is encoded per call.
    const listDef = { ...service.List, responseSerialize: (v: Buffer | object) => (Buffer.isBuffer(v) ? v : encodeList(v)) };
    const limitedList = limited(list);
    server.addService({ ...service, List: listDef }, {
      List: (call: ServerUnaryCall<unknown, Buffer | object>, cb: sendUnaryData<Buffer | object>) => {
        this.listCalls++;
        limitedList(call, cb);
      },
      GetAllocatableResources: limited(() => ({ devices: this.source.allocatableDevices(), cpu_ids: [], memory: [] })),
      Get: limited((req: { pod_name?: string; pod_namespace?: string }) => {
        const pod = this.source.listPods().find((p) => p.name === req.pod_name && p.namespace === req.pod_namespace);
        if (!pod) throw Object.assign(new Error(`pod ${req.pod_name} not found in namespace ${req.pod_namespace}`), { code: status.NOT_FOUND });
        return { pod_resources: pod };
      }),
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    this.server = server;
  }

  close(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}
