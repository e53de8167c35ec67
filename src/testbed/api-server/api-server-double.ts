/**
 * A loopback stand-in for kube-apiserver (127.0.0.1, random port, plain HTTP + bearer token),
 * reached by @kubernetes/client-node through an ordinary kubeconfig. Serves core/v1 pods (list,
 * watch, get, create, update, patch, delete, /status), nodes (list, get, create, patch, /status)
 * and events (core/v1 and events.k8s.io/v1) in the real JSON shapes with real Status errors.
 * No kube-apiserver can run on our machines; this keeps every client path real.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../util/logger.js';
import { ApiError, methodNotAllowed, unsupportedMediaType, type ApiStatus } from './api-status.js';
import { mediaType, parseJsonBody, readBody, sendJson, sendStatus } from './http-io.js';
import { ObjectStore, parseResourceVersion } from './object-store.js';
import { PATCH_TYPES, type PatchContentType } from './patches.js';
import { CORE_EVENTS, EVENTS_V1, NODES, PODS, storeKey, type ResourceDef } from './resource-defs.js';
import { ResourceOps, type PodDeletionMode } from './resource-ops.js';
import { FaultInjector, type Fault } from './fault-injector.js';
import { kubeconfigText } from './kubeconfig-text.js';
import { DEFS, parseRoute, type Route } from './route-path.js';
import { openWatchStream } from './watch-stream.js';
import { closeServer } from '../../util/close-server.js';

export type { Fault };

export interface ApiServerDoubleOptions {
  /** Changes kept for watch resumption; older resourceVersions get 410 Expired. Default 1000. */
  historyLimit?: number;
  /** DELETE of a scheduled pod: 'immediate' (default) or 'graceful' (deletionTimestamp, then `finalizePod`). */
  podDeletion?: PodDeletionMode;
  /** BOOKMARK period for watches that ask for them. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** Bearer token required on every request (default: a random one, written into the kubeconfig). */
  token?: string;
  logger?: Logger;
}

/** One served request, for tests that count calls. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  contentType: string;
  status: number;
  watch: boolean;
}



const PATCH_ACCEPTED: readonly string[] = [...Object.values(PATCH_TYPES), 'application/apply-patch+yaml (not served by the double)'];

export class ApiServerDouble {
  private readonly store: ObjectStore;
  private readonly ops = new Map<ResourceDef, ResourceOps>();
  private readonly log: RequestLogEntry[] = [];
  private readonly watchEnders = new Set<() => void>();
  private readonly watchResponses = new Set<ServerResponse>();
  private readonly faults = new FaultInjector();
  private server: Server | undefined;
  private starting: Promise<void> | undefined;
  private port = 0;
  /** The bearer token clients must present (in the kubeconfig `writeKubeconfig` writes). */
  readonly token: string;

  constructor(private readonly options: ApiServerDoubleOptions = {}) {
    this.store = new ObjectStore(options.historyLimit ?? 1000);
    this.token = options.token ?? randomUUID();
    for (const def of DEFS) this.ops.set(def, new ResourceOps(this.store, def, options.podDeletion ?? 'immediate'));
  }

  /**
   * Listens on 127.0.0.1 (a free port the first time; the same port again after stop(), so
   * written kubeconfigs stay valid across an "API server restart"; the objects are kept).
   * Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => void this.handle(req, res));
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
    return this.starting;
  }

  /** Destroys open watches and connections and closes the listener. Safe before start and twice. */
  async stop(): Promise<void> {
    const server = this.server;
    if (this.starting) await this.starting.catch(() => undefined);
    this.starting = undefined;
    this.server = undefined;
    for (const res of this.watchResponses) res.destroy();
    this.watchResponses.clear();
    if (server) await closeServer(server);
  }

  /** `http://127.0.0.1:<port>` (after start). */
  get url(): string {
    if (!this.server) throw new Error('ApiServerDouble is not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig (YAML) pointing at the double with its token. */
  kubeconfigYaml(): string {
    return kubeconfigText(this.url, this.token);
  }

  /** Writes the kubeconfig file (mode 0600) for `--kubeconfig` / `KubeConfig.loadFromFile`. */
  async writeKubeconfig(path: string): Promise<void> {
    await writeFile(path, this.kubeconfigYaml(), { mode: 0o600 });
  }

  /** A client-node KubeConfig for this double (in-process convenience). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    return kc;
  }

  // ---- test helpers: the same code paths as the HTTP verbs --------------------------------

  /** Creates a pod (namespace from metadata, default "default"); returns the stored pod. Throws ApiError. */
  addPod(pod: object): any {
    const ns = (pod as any)?.metadata?.namespace || 'default';
    return this.opsFor(PODS).create(ns, pod);
  }

  /** Deletes a pod: immediately by default, or `graceful` (deletionTimestamp set, pod stays until `finalizePod`). */
  deletePod(namespace: string, name: string, options: { graceful?: boolean } = {}): any {
    const ops = options.graceful ? new ResourceOps(this.store, PODS, 'graceful') : this.opsFor(PODS);
    return ops.delete(namespace, name, { gracePeriodSeconds: options.graceful ? 30 : 0 });
  }

  /** Removes a pod that is being deleted gracefully (what kubelet does when its containers are gone). */
  finalizePod(namespace: string, name: string): any {
    return this.opsFor(PODS).finalize(namespace, name);
  }

  /** Sets `status.phase` through the status subresource (a MODIFIED event). */
  setPodPhase(namespace: string, name: string, phase: string): any {
    return this.opsFor(PODS).patch(namespace, name, PATCH_TYPES.merge, { status: { phase } }, 'status');
  }

  /** The stored pod, or undefined. */
  getPod(namespace: string, name: string): any {
    return this.store.get(storeKey(PODS), namespace, name);
  }

  /** Creates a node (a name or a Node object); returns it. */
  addNode(node: string | object): any {
    return this.opsFor(NODES).create(undefined, typeof node === 'string' ? { metadata: { name: node } } : node);
  }

  /** The stored node, or undefined. */
  getNode(name: string): any {
    return this.store.get(storeKey(NODES), undefined, name);
  }

  /** Every event created so far, core/v1 and events.k8s.io/v1, oldest first. */
  events(): any[] {
    return [...this.store.list(storeKey(CORE_EVENTS)), ...this.store.list(storeKey(EVENTS_V1))];
  }

  /** Requests served so far (watches appear when they close). */
  get requestLog(): readonly RequestLogEntry[] {
    return this.log;
  }

  clearRequestLog(): void {
    this.log.length = 0;
  }

  /** Makes every resourceVersion issued so far too old: open watches get ERROR 410 and end. */
  expireResourceVersions(): void {
    this.store.expireAll();
  }

  /** Ends every open watch cleanly (as the server does at its request timeout). */
  closeWatches(): void {
    for (const end of [...this.watchEnders]) end();
  }

  /** Makes the next matching request(s) fail with `code` and a Status body (fault injection). */
  injectFault(fault: Fault): void {
    this.faults.add(fault);
  }

  /** Watches currently registered (tests check none leak). */
  openWatchCount(): number {
    return this.store.watchCount();
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private opsFor(def: ResourceDef): ResourceOps {
    return this.ops.get(def) as ResourceOps;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    res.on('close', () =>
      this.log.push({ method: req.method ?? '', path: url.pathname, query: url.search, contentType: mediaType(req), status: res.statusCode, watch: isWatch }),
    );
    req.on('error', () => res.destroy());
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      }
      this.faults.check(req.method ?? '', url.pathname, isWatch);
      if (this.handleMeta(url.pathname, res)) return;
      const route = parseRoute(url.pathname);
      await this.dispatch(req, res, url, route, isWatch);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof ApiError) {
        sendStatus(res, e.status);
        return;
      }
      this.options.logger?.error({ err: e, path: url.pathname }, 'api double: internal error');
      const status: ApiStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `internal error: ${(e as Error).message}`, reason: 'InternalError', code: 500 };
      sendStatus(res, status);
    }
  }

  private handleMeta(path: string, res: ServerResponse): boolean {
    if (path === '/version') sendJson(res, 200, { major: '1', minor: '34', gitVersion: 'v1.34.0-epc-double', platform: 'linux/amd64' });
    else if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    } else return false;
    return true;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, r: Route, isWatch: boolean): Promise<void> {
    const ops = this.opsFor(r.def);
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (r.name === undefined) {
      if (method === 'GET' && isWatch) return this.watch(res, ops, r, q);
      if (method === 'GET') return sendJson(res, 200, ops.list(r.ns, { fieldSelector: q.get('fieldSelector'), labelSelector: q.get('labelSelector') }));
      if (method === 'POST' && (r.ns !== undefined || !r.def.namespaced)) {
        return sendJson(res, 201, ops.create(r.ns, parseJsonBody(await readBody(req))));
      }
      throw methodNotAllowed(method);
    }
    switch (method) {
      case 'GET':
        return sendJson(res, 200, ops.get(r.ns, r.name));
      case 'PUT':
        return sendJson(res, 200, ops.update(r.ns, r.name, parseJsonBody(await readBody(req)), r.sub));
      case 'PATCH': {
        const type = mediaType(req);
        if (!(Object.values(PATCH_TYPES) as string[]).includes(type)) throw unsupportedMediaType(type, PATCH_ACCEPTED);
        const doc = parseJsonBody(await readBody(req), 'patch body');
        return sendJson(res, 200, ops.patch(r.ns, r.name, type as PatchContentType, doc, r.sub));
      }
      case 'DELETE': {
        if (r.sub !== undefined) throw methodNotAllowed(method);
        const text = await readBody(req);
        return sendJson(res, 200, ops.delete(r.ns, r.name, text.trim() === '' ? {} : parseJsonBody(text, 'DeleteOptions body')));
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  private watch(res: ServerResponse, ops: ResourceOps, r: Route, q: URLSearchParams): void {
    const filter = ops.matcher(r.ns, { fieldSelector: q.get('fieldSelector'), labelSelector: q.get('labelSelector') });
    const fromRv = parseResourceVersion(q.get('resourceVersion'));
    const timeout = q.get('timeoutSeconds');
    const end = openWatchStream(res, {
      store: this.store,
      storeKey: storeKey(r.def),
      kind: r.def.kind,
      apiVersion: r.def.apiVersion,
      filter,
      fromRv,
      bookmarkIntervalMs: q.get('allowWatchBookmarks') === 'true' ? (this.options.bookmarkIntervalMs ?? 10_000) : 0,
      timeoutSeconds: timeout !== null && /^[0-9]+$/.test(timeout) ? Number(timeout) : undefined,
    });
    this.watchEnders.add(end);
    this.watchResponses.add(res);
    res.on('close', () => {
      this.watchEnders.delete(end);
      this.watchResponses.delete(res);
    });
  }
}
