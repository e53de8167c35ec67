/**
 * A loopback API server for the certificate bootstrap only: Secrets (get/create/update with
 * resourceVersion conflicts) and Mutating/Validating webhook configurations (get, JSON patch),
 * in the real JSON shapes and Status errors. Real HTTP, reached through client-node.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigText } from '../../src/testbed/api-server/kubeconfig-text.js';
import { applyJsonPatch } from '../../src/testbed/api-server/patches.js';

type Obj = Record<string, any>;

/** Stores objects by URL path; `forbid` makes matching paths answer 403. */
export class CertApiDouble {
  readonly objects = new Map<string, Obj>();
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[] = [];
  /** Answers sent, as `CODE METHOD path` (a request is listed here once its answer is decided). */
  readonly answered: string[] = [];
  forbid: RegExp | undefined;
  private server: Server | undefined;
  private rv = 1;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    return kc;
  }

  kubeconfigYaml(): string {
    return kubeconfigText(`http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`, 'test-token');
  }

  /** Path of a webhook configuration object. */
  static configPath(kind: 'mutating' | 'validating', name: string): string {
    return `/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations/${name}`;
  }

  /** Path of a Secret. */
  static secretPath(ns: string, name: string): string {
    return `/api/v1/namespaces/${ns}/secrets/${name}`;
  }

  /** Stores an object at `path` (a fresh resourceVersion). */
  put(path: string, obj: Obj): void {
    this.objects.set(path, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv++) } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push(`${req.method} ${path}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    const send = (code: number, obj: Obj) => {
      this.answered.push(`${code} ${req.method} ${path}`);
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string) => send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
    if (this.forbid?.test(path)) return status(403, 'Forbidden', `forbidden: ${req.method} ${path}`);
    try {
      if (req.method === 'GET') {
        const o = this.objects.get(path);
        return o ? send(200, o) : status(404, 'NotFound', `${path} not found`);
      }
      if (req.method === 'POST' && /^\/api\/v1\/namespaces\/[^/]+\/secrets$/.test(path)) {
        const o = JSON.parse(body) as Obj;
        const full = `${path}/${o.metadata.name}`;
        if (this.objects.has(full)) return status(409, 'AlreadyExists', `secrets "${o.metadata.name}" already exists`);
        this.put(full, o);
        return send(201, this.objects.get(full)!);
      }
      if (req.method === 'PUT') {
        const cur = this.objects.get(path);
        if (!cur) return status(404, 'NotFound', `${path} not found`);
        const o = JSON.parse(body) as Obj;
        if (o.metadata?.resourceVersion !== cur.metadata.resourceVersion) return status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
        this.put(path, o);
        return send(200, this.objects.get(path)!);
      }
      if (req.method === 'PATCH') {
        const cur = this.objects.get(path);
        if (!cur) return status(404, 'NotFound', `${path} not found`);
        if (req.headers['content-type'] !== 'application/json-patch+json') return status(415, 'UnsupportedMediaType', `unexpected ${req.headers['content-type']}`);
        let next: Obj;
        try {
          next = applyJsonPatch(cur, JSON.parse(body));
        } catch (err) {
          return status(422, 'Invalid', (err as Error).message);
        }
        this.put(path, next);
        return send(200, this.objects.get(path)!);
      }
      return status(405, 'MethodNotAllowed', `${req.method} ${path}`);
    } catch (err) {
      return status(500, 'InternalError', (err as Error).message);
    }
  }
}
