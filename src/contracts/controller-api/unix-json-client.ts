import { Agent, request } from 'node:http';

/** Default per-request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** A non-2xx reply of the controller: its errno `code`, the field it named, and the full body. */
export class ControllerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ControllerApiError';
  }
}

/**
 * JSON over HTTP over one unix socket, with keep-alive (the workload's access loop reuses one
 * connection). Transport failures reject with the socket error (code ENOENT/ECONNREFUSED).
 */
export class UnixJsonClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  constructor(readonly socketPath: string, private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {}

  /** Sends a request; resolves with the JSON body of a 2xx reply, rejects with ControllerApiError otherwise. */
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path,
          timeout: this.timeoutMs,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Record<string, unknown>;
            try {
              json = text ? JSON.parse(text) : {};
            } catch {
              reject(new ControllerApiError(res.statusCode ?? 0, 'EIO', `non-JSON reply (${res.statusCode}) from ${this.socketPath}${path}`, undefined, {}));
              return;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(json as T);
              return;
            }
            const e = (json.error ?? {}) as { code?: string; message?: string; field?: string };
            reject(new ControllerApiError(status, e.code ?? 'EIO', e.message ?? `HTTP ${status}`, e.field, json));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request to ${this.socketPath}${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes pooled connections. Safe twice. */
  close(): void {
    this.agent.destroy();
  }
}

/** Encodes a query string from defined values. */
export function qs(params: Record<string, string | boolean | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
