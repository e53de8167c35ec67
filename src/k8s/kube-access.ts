/**
 * Access to one API server (its URL, TLS and credentials) without @kubernetes/client-node's
 * `KubeConfig`, whose module imports the whole generated API (~80 MiB of RSS in the agent). The
 * kubeconfig is parsed by client-node's own light `config_types.js` (same fields, same
 * validation); what the agent needs is applied here: CA / client certificates (file or data),
 * `insecure-skip-tls-verify`, `tls-server-name`, bearer tokens, basic auth, impersonation, `exec`
 * credentials (client-node's `exec_auth.js`) and the in-cluster service account token, re-read
 * from its file every minute (bound tokens rotate) and at once after a 401. Anything rarer
 * (auth-provider plugins: azure, gcp, oidc; `proxy-url`) loads the library's `KubeConfig` lazily
 * and lets it apply the options, so every kubeconfig the library accepts works here too.
 * client-node's `KubeConfig` satisfies `ClusterAccess` as it is (tests pass one).
 */
import { accessSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { newClusters, newContexts, newUsers, type Cluster, type Context, type User } from '@kubernetes/client-node/dist/config_types.js';

/** What an API client needs from a kubeconfig: the current cluster and per-request TLS/auth options. */
export interface ClusterAccess {
  getCurrentCluster(): { server: string; skipTLSVerify?: boolean } | null;
  /** Sets `ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, `headers.Authorization`, `auth` and `agent` on `opts`. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** Where the agent's service account is mounted in a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token read from a file is used before it is read again (client-go: 1 minute). */
export const TOKEN_FILE_TTL_MS = 60_000;

/** A kubeconfig that cannot be used; the message names the file and the field. */
export class KubeAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeAccessError';
  }
}

interface Loaded {
  cluster: Cluster;
  user: User;
  /** The source, for the library fallback: a file, or in-cluster. */
  source: { file: string } | { inCluster: string };
}

interface Authenticator {
  isAuthProvider(user: User): boolean;
  applyAuthentication(user: User, opts: https.RequestOptions): Promise<void>;
}

const absolute = (root: string, file: string | undefined): string | undefined => (file && !isAbsolute(file) ? join(root, file) : file);
const bufferOf = (file: string | undefined, data: string | undefined): Buffer | undefined => (file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined);
const exists = (file: string): boolean => {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
};

/** Lean kubeconfig: `loadKubeAccess` builds one; implements `ClusterAccess`. */
export class KubeAccess implements ClusterAccess {
  private agent: http.Agent | undefined;
  private token: { value: string; readAt: number } | undefined;
  private exec: Authenticator | undefined;
  private library: ClusterAccess | undefined;

  constructor(private readonly loaded: Loaded, private readonly now: () => number = Date.now) {}

  getCurrentCluster(): Cluster {
    return this.loaded.cluster;
  }

  /** The current user entry (after path resolution). */
  getCurrentUser(): User {
    return this.loaded.user;
  }

  /** True when the config needs the full client-node library (auth-provider plugins, proxies). */
  get needsLibrary(): boolean {
    const { cluster, user } = this.loaded;
    const provider = user.authProvider?.name;
    return Boolean(cluster.proxyUrl) || (provider !== undefined && provider !== 'tokenFile' && !user.authProvider?.config?.tokenFile);
  }

  /** Forgets a token read from a file (the server answered 401: the token may have rotated). */
  invalidateToken(): void {
    this.token = undefined;
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    if (this.needsLibrary) return (await this.libraryAccess()).applyToHTTPSOptions(opts);
    const { cluster, user } = this.loaded;
    if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) throw new KubeAccessError(`cluster ${cluster.name}: HTTP protocol is not allowed when insecure-skip-tls-verify is not set`);
    const headers = (opts.headers ??= {}) as Record<string, string>;
    if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = bufferOf(cluster.caFile, cluster.caData);
    if (ca) opts.ca = ca;
    const cert = bufferOf(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = bufferOf(user.keyFile, user.keyData);
    if (key) opts.key = key;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    const tokenFile = user.authProvider?.config?.tokenFile as string | undefined;
    if (tokenFile) headers.Authorization = `Bearer ${this.fileToken(tokenFile)}`;
    if (user.exec || user.authProvider?.name === 'exec') {
      this.exec ??= new (await import('@kubernetes/client-node/dist/exec_auth.js')).ExecAuth() as unknown as Authenticator;
      await this.exec.applyAuthentication(user, opts);
    }
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    if (user.username) opts.auth = `${user.username}:${user.password ?? ''}`;
    opts.agent = this.agentFor(opts);
  }

  private fileToken(file: string): string {
    const now = this.now();
    if (!this.token || now - this.token.readAt > TOKEN_FILE_TTL_MS) this.token = { value: readFileSync(file, 'utf8').trim(), readAt: now };
    return this.token.value;
  }

  /** One keep-alive agent per access (the TLS material of a kubeconfig does not change). */
  private agentFor(opts: https.RequestOptions): http.Agent {
    if (this.agent) return this.agent;
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    this.agent = this.loaded.cluster.server.startsWith('http:') ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true, ...tls });
    return this.agent;
  }

  private async libraryAccess(): Promise<ClusterAccess> {
    if (this.library) return this.library;
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    const src = this.loaded.source;
    if ('file' in src) kc.loadFromFile(src.file);
    else kc.loadFromCluster(src.inCluster);
    this.library = kc;
    return kc;
  }
}

function parseKubeconfigText(text: string, file: string, parse: (t: string) => unknown): Loaded {
  let doc: { clusters?: unknown; contexts?: unknown; users?: unknown; 'current-context'?: unknown };
  try {
    doc = (parse(text) ?? {}) as typeof doc;
  } catch (err) {
    throw new KubeAccessError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  let clusters: Cluster[], contexts: Context[], users: User[];
  try {
    clusters = newClusters(doc.clusters);
    contexts = newContexts(doc.contexts);
    users = newUsers(doc.users);
  } catch (err) {
    throw new KubeAccessError(`${file}: ${(err as Error).message}`);
  }
  const current = doc['current-context'];
  const ctx = contexts.find((c) => c.name === current);
  if (!ctx) throw new KubeAccessError(`${file}: current-context ${JSON.stringify(current ?? null)} names no context`);
  const cluster = clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) throw new KubeAccessError(`${file}: context ${ctx.name} names cluster ${JSON.stringify(ctx.cluster)}, which is not in clusters`);
  const user = users.find((u) => u.name === ctx.user) ?? { name: ctx.user ?? '' };
  const root = dirname(file);
  return {
    cluster: { ...cluster, caFile: absolute(root, cluster.caFile) },
    user: { ...user, certFile: absolute(root, user.certFile), keyFile: absolute(root, user.keyFile) },
    source: { file },
  };
}

/** In-cluster access: the service's env vars, the mounted CA and the (rotating) token file. */
export function inClusterLoaded(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Loaded {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeAccessError('in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return {
    cluster: { name: 'inCluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false },
    user: { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } },
    source: { inCluster: dir.endsWith(SERVICE_ACCOUNT_DIR) ? dir.slice(0, -SERVICE_ACCOUNT_DIR.length) : '' },
  };
}

/** Where to read the config from (see loadKubeAccess). */
export interface LoadKubeAccessOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Service account mount (tests). Default SERVICE_ACCOUNT_DIR. */
  serviceAccountDir?: string;
}

/**
 * The agent's API server access, in client-node's `loadFromDefault` order: `--kubeconfig` when
 * given, else `$KUBECONFIG` (its first file), else `~/.kube/config` when it exists, else the pod's
 * service account (in-cluster). Throws KubeAccessError naming the cause.
 */
export async function loadKubeAccess(o: LoadKubeAccessOptions = {}): Promise<KubeAccess> {
  const env = o.env ?? process.env;
  const saDir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  let file = o.file ?? env.KUBECONFIG?.split(delimiter).find(Boolean);
  if (!file && !exists(home) && exists(join(saDir, 'token'))) return new KubeAccess(inClusterLoaded(env, saDir));
  file ??= home;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeAccessError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (and no in-cluster service account)' : (err as Error).message}`);
  }
  // A kubeconfig is usually YAML; the parser is loaded only when one is read.
  const { parse } = await import('yaml');
  return new KubeAccess(parseKubeconfigText(text, file, parse));
}
