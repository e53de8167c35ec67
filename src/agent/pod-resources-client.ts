/**
 * A client of kubelet's pod-resources v1 API (the socket under /var/lib/kubelet/pod-resources):
 * `List` tells which pod and container hold which device IDs. It carries no UID and no requests;
 * those come from the API server (the pod informer).
 */
import { credentials, makeGenericClientConstructor, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { PRIVATE_CHANNEL_OPTIONS } from '../deviceplugin/register-with-kubelet.js';
import { decodePodDevicesList, type PodDevices } from './pod-devices.js';

/** Default deadline of one pod-resources call. */
export const POD_RESOURCES_CALL_TIMEOUT_MS = 2000;

/** The one call the agent needs; an interface so unit tests and the bench can feed lists directly. */
export interface PodResourcesLister {
  list(): Promise<PodDevices[]>;
  close(): void;
}

/** A failed pod-resources call; `retryable` for rate limiting and a kubelet that is (re)starting. */
export class PodResourcesError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'PodResourcesError';
  }
}

type Unary = (req: unknown, opts: { deadline: Date }, cb: (err: ServiceError | null, res: any) => void) => void;

/**
 * `List` of pod-resources v1 (the request message is empty: zero bytes on the wire); the answer is
 * read by `decodePodDevicesList`, which keeps only names and device IDs.
 */
const EMPTY = Buffer.alloc(0);
const LISTER = {
  List: {
    path: '/v1.PodResourcesLister/List',
    requestStream: false,
    responseStream: false,
    requestSerialize: () => EMPTY,
    requestDeserialize: () => ({}),
    responseSerialize: () => EMPTY,
    responseDeserialize: (b: Buffer) => decodePodDevicesList(b),
  },
} as const;

const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED]);

/** pod-resources v1 over a unix socket; reconnects by itself (grpc-js channel) after a kubelet restart. */
export class PodResourcesClient implements PodResourcesLister {
  private readonly client: Client & Record<string, Unary>;

  constructor(readonly socketPath: string, private readonly opts: { timeoutMs?: number } = {}) {
    const Ctor = makeGenericClientConstructor(LISTER, 'PodResourcesLister');
    this.client = new Ctor(`unix:${socketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
  }

  list(): Promise<PodDevices[]> {
    const deadline = new Date(Date.now() + (this.opts.timeoutMs ?? POD_RESOURCES_CALL_TIMEOUT_MS));
    return new Promise((resolve, reject) => {
      this.client.List({}, { deadline }, (err, res) => {
        if (err) reject(new PodResourcesError(`pod-resources List at ${this.socketPath}: ${err.details || err.message}`, RETRYABLE.has(err.code)));
        else resolve((res ?? []) as PodDevices[]);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
