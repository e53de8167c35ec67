/**
 * A client of kubelet's pod-resources v1 API (the socket under /var/lib/kubelet/pod-resources):
 * `List` tells which pod and container hold which device IDs. It carries no UID and no requests;
 * those come from the API server (the pod informer).
 */
import { credentials, makeGenericClientConstructor, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { PRIVATE_CHANNEL_OPTIONS } from '../contracts/grpc-channel.js';
import { POD_RESOURCES_LIST_PATH } from '../contracts/pod-resources-api.js';
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

type Unary = (req: unknown, opts: { deadline: number }, cb: (err: ServiceError | null, res: any) => void) => void;

/**
 * `List` of pod-resources v1 (the request message is empty: zero bytes on the wire); the answer is
 * read by `decodePodDevicesList`, which keeps only names and device IDs.
 */
const EMPTY = Buffer.alloc(0);
const EMPTY_REQUEST = Object.freeze({});
const LISTER = {
  List: {
    path: POD_RESOURCES_LIST_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => EMPTY,
    requestDeserialize: () => ({}),
    responseSerialize: () => EMPTY,
    responseDeserialize: (b: Buffer) => decodePodDevicesList(b),
  },
} as const;

const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED]);

/**
 * Reconnect back-off of the channel. grpc-js defaults to 1 s growing to 120 s, made for remote
 * servers; kubelet's socket is local and a connect attempt costs a failed `connect(2)`, so after
 * a kubelet restart of any length the channel tries again within this bound (issue 11, point 6).
 */
export const POD_RESOURCES_RECONNECT_BACKOFF_MS = 100;

const CHANNEL_OPTIONS = {
  ...PRIVATE_CHANNEL_OPTIONS,
  'grpc.initial_reconnect_backoff_ms': POD_RESOURCES_RECONNECT_BACKOFF_MS,
  'grpc.max_reconnect_backoff_ms': POD_RESOURCES_RECONNECT_BACKOFF_MS,
} as const;

const Ctor = makeGenericClientConstructor(LISTER, 'PodResourcesLister');

/**
 * pod-resources v1 over a unix socket. After an UNAVAILABLE answer (kubelet down or restarting)
 * the channel is replaced by a fresh one, so the next call dials at once instead of waiting out
 * a back-off timer; the channel options bound the back-off of the channel in use as well.
 */
export class PodResourcesClient implements PodResourcesLister {
  private client: (Client & Record<string, Unary>) | undefined;
  private closed = false;

  constructor(readonly socketPath: string, private readonly opts: { timeoutMs?: number } = {}) {}

  list(): Promise<PodDevices[]> {
    if (this.closed) return Promise.reject(new PodResourcesError(`pod-resources client for ${this.socketPath} is closed`, false));
    const deadline = Date.now() + (this.opts.timeoutMs ?? POD_RESOURCES_CALL_TIMEOUT_MS);
    const client = this.channel();
    return new Promise((resolve, reject) => {
      client.List(EMPTY_REQUEST, { deadline }, (err, res) => {
        if (!err) return resolve((res ?? []) as PodDevices[]);
        if (err.code === status.UNAVAILABLE && this.client === client) {
          client.close();
          this.client = undefined;
        }
        reject(new PodResourcesError(`pod-resources List at ${this.socketPath}: ${err.details || err.message}`, RETRYABLE.has(err.code)));
      });
    });
  }

  /** Closes the channel; later calls fail (not retryable). Idempotent. */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
  }

  private channel(): Client & Record<string, Unary> {
    this.client ??= new Ctor(`unix:${this.socketPath}`, credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    return this.client;
  }
}
