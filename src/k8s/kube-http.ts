/**
 * A small JSON client of the Kubernetes REST API on node:http(s) (no generated API, no undici):
 * `request` for list/get/patch/create, `watch` for a newline-delimited JSON event stream.
 * Errors keep client-node's ApiException shape (`code` = HTTP status, `body` = the raw Status
 * text) so `describeApiError` reads both; a 401 makes the access re-read a rotated token.
 */
import http from 'node:http';
import https from 'node:https';
import type { ClusterAccess } from './kube-access.js';

/** An HTTP error answer of the API server (`body` is its Status JSON as text). */
export class KubeApiError extends Error {
  constructor(readonly code: number, readonly body: string, method: string, path: string) {
    super(`HTTP ${code} from ${method} ${path}: ${KubeApiError.messageOf(body)}`);
    this.name = 'KubeApiError';
  }

  private static messageOf(body: string): string {
    try {
      const s = JSON.parse(body) as { message?: unknown };
      if (typeof s?.message === 'string') return s.message;
    } catch {
      // not a Status
    }
    return body.slice(0, 200);
  }
}

/** One request's shape. `query` values that are undefined are left out. */
export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Default application/json (PATCH: application/merge-patch+json). */
  contentType?: string;
  /** Abort the request (and its response) after this long. Default 30 s. */
  timeoutMs?: number;
}

/** A watch event as the API server sends it. */
export interface WatchEvent<T = any> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A running watch; `done` resolves when the stream ended (null: closed by the server). */
export interface OpenWatch {
  abort(): void;
  readonly done: Promise<Error | null>;
}

/** A watch that saw no byte for this long is dead (the server sends at least bookmarks). */
export const DEFAULT_WATCH_IDLE_MS = 5 * 60_000 + 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The error of an aborted watch that went silent for longer than its idle bound. */
export class WatchIdleError extends Error {
  constructor(ms: number) {
    super(`watch received nothing for ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

const withQuery = (path: string, query: KubeRequest['query']): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
};

/** REST access to one API server; cheap to create, shares the access's keep-alive agent. */
export class KubeHttp {
  constructor(private readonly access: ClusterAccess) {}

  private async open(method: string, path: string, headers: Record<string, string>, timeoutMs: number): Promise<http.ClientRequest> {
    const cluster = this.access.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(cluster.server + path);
    const opts: https.RequestOptions = { method, headers: { Accept: 'application/json', ...headers } };
    await this.access.applyToHTTPSOptions(opts);
    const mod = url.protocol === 'http:' ? http : https;
    const req = mod.request(url, opts);
    req.setTimeout(timeoutMs, () => req.destroy(new WatchIdleError(timeoutMs)));
    return req;
  }

  private async failed(res: http.IncomingMessage, method: string, path: string): Promise<KubeApiError> {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    if (res.statusCode === 401) (this.access as { invalidateToken?: () => void }).invalidateToken?.();
    return new KubeApiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), method, path);
  }

  /** One JSON request; resolves the parsed answer, rejects KubeApiError on a non-2xx. */
  async request<T = any>(r: KubeRequest): Promise<T> {
    const method = r.method ?? 'GET';
    const path = withQuery(r.path, r.query);
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['Content-Type'] = r.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = await this.open(method, path, headers, r.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return new Promise<T>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        res.once('error', reject);
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
          this.failed(res, method, path).then(reject, reject);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch (err) {
            reject(new Error(`${method} ${path}: answer is not JSON: ${(err as Error).message}`));
          }
        });
      });
      req.end(body);
    });
  }

  /**
   * Opens `GET path?watch=true&...` and calls `onEvent` per event line. The stream is aborted
   * when it stays silent for `idleMs` (done resolves a WatchIdleError). Lines that are not JSON
   * are skipped. A non-200 answer ends it with a KubeApiError.
   */
  async watch(path: string, query: KubeRequest['query'], onEvent: (e: WatchEvent) => void, idleMs = DEFAULT_WATCH_IDLE_MS): Promise<OpenWatch> {
    const full = withQuery(path, { ...query, watch: true });
    let settle!: (e: Error | null) => void;
    const done = new Promise<Error | null>((r) => (settle = r));
    let ended = false;
    const finish = (e: Error | null): void => {
      if (ended) return;
      ended = true;
      settle(e);
    };
    let req: http.ClientRequest;
    try {
      req = await this.open('GET', full, {}, idleMs);
    } catch (err) {
      finish(err as Error);
      return { abort: () => undefined, done };
    }
    req.once('error', (err) => finish(ended ? null : err));
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        this.failed(res, 'GET', full).then(finish, finish);
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          let ev: WatchEvent;
          try {
            ev = JSON.parse(line) as WatchEvent;
          } catch {
            continue;
          }
          if (!ended) onEvent(ev);
        }
      });
      res.once('end', () => finish(null));
      res.once('error', (err) => finish(err));
      res.once('close', () => finish(res.complete ? null : new Error('watch connection closed before the stream ended')));
    });
    req.end();
    return {
      abort: () => {
        finish(null);
        req.destroy();
      },
      done,
    };
  }
}
