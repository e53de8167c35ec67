/**
 * The HTTP endpoint of a component's `--metrics-addr` (agent, controller): GET /metrics (Prometheus), /healthz (the process
 * answers), /readyz (every readiness check passes: 200, else 503 naming the failing checks; a
 * passing check may carry a note, e.g. observe-only without an EPC controller).
 * Anything else is 404, other methods on known paths 405.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './close-server.js';

export type ReadinessCheck = true | string | { note: string };

/** The /readyz body: one `[+] name` / `[+] name: note` / `[-] name: why` line per check. */
export function renderReadiness(checks: Record<string, ReadinessCheck>): { ready: boolean; body: string } {
  const lines = Object.entries(checks).map(([k, v]) => (v === true ? `[+] ${k}` : typeof v === 'string' ? `[-] ${k}: ${v}` : `[+] ${k}: ${v.note}`));
  return { ready: Object.values(checks).every((v) => typeof v !== 'string'), body: lines.join('\n') + '\n' };
}

export interface HealthServerOptions {
  /** Renders the metrics text (refreshing first). */
  metrics: () => Promise<{ contentType: string; text: string }>;
  /** Named readiness checks: true = ready; a string = why not; { note } = ready, with something to say. */
  readiness: () => Promise<Record<string, ReadinessCheck>>;
}

export class HealthServer {
  private server: Server | undefined;

  constructor(private readonly o: HealthServerOptions) {}

  /** Listens; resolves with the bound address ("host:port", the real port when 0 was asked). */
  async listen(addr: { host: string; port: number }): Promise<string> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
      if (!known) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path} (try /metrics, /healthz, /readyz)\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end(`method ${req.method} not allowed on ${path}\n`);
        return;
      }
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      const fail = (err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${(err as Error)?.message ?? String(err)}\n`);
      };
      if (path === '/metrics') {
        this.o.metrics().then(({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text), fail);
        return;
      }
      this.o.readiness().then((checks) => {
        const { ready, body } = renderReadiness(checks);
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
      }, fail);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Closes the server and its connections. Idempotent. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await closeServer(s);
  }
}
