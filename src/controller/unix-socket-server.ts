import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { chmodSync, linkSync, lstatSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { ConnectionBudget, ConnectionLimits } from './connection-limits.js';
import { closeServer } from '../util/close-server.js';

/** How long the liveness probe of an existing socket may take before we call it stale. */
export const PROBE_TIMEOUT_MS = 500;

/** True when something accepts connections on the unix socket at `path`. */
export function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (live: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** An error that means "another controller owns this socket": the CLI turns it into exit 1. */
export class SocketInUseError extends Error {
  constructor(readonly path: string) {
    super(`${path} is served by a live process (another epc controller?); refusing to replace it`);
    this.name = 'SocketInUseError';
  }
}

/** Options of `UnixSocketServer`. */
export interface UnixSocketServerOptions {
  /** Exact mode of the socket file after listen. */
  mode?: number;
  /** Connection cap and timeouts of this socket. */
  limits: ConnectionLimits;
  /** A cap shared with other sockets (each connection takes one unit while open). */
  budget?: ConnectionBudget;
}

/**
 * An HTTP server on a unix socket that refuses to steal a live socket, replaces a stale socket
 * file, and on close drops idle keep-alive connections and removes its socket file. With `mode`,
 * the socket file gets exactly that mode after listen (connecting needs write permission on it;
 * until the chmod it has the umask's mode, which with the usual 022 lets only the owner connect).
 * `limits` bound what clients can hold: connections over the cap (this socket's or the shared
 * `budget`) are closed on accept; a connection that sends nothing, dribbles its headers or its
 * body, or idles between requests is closed after the matching timeout.
 */
export class UnixSocketServer {
  private server: Server | undefined;
  private readonly mode: number | undefined;
  private where: string;
  constructor(path: string, private readonly listener: RequestListener, private readonly opts: UnixSocketServerOptions) {
    this.mode = opts.mode;
    this.where = path;
  }

  /** The socket file's path (changed by `moveTo`). */
  get path(): string {
    return this.where;
  }

  /**
   * Gives the listening socket a new name: link(2) to `path`, then unlink the old name (a unix
   * socket's listener is reached through whatever name its inode has; mode and owner go with it).
   * link never replaces: anything at `path` makes it throw (EEXIST) with the old name kept.
   */
  moveTo(path: string): void {
    if (!this.server) throw new Error(`${this.where} is not listening`);
    linkSync(this.where, path);
    const old = this.where;
    this.where = path;
    unlinkSync(old);
  }

  /** Listens; throws `SocketInUseError` if a live process serves `path`. */
  async start(): Promise<void> {
    if (this.server) return;
    // Local-filesystem metadata calls are done synchronously (microseconds): a bind in PreStart
    // opens a slot's socket, and each threadpool round trip would add to the container start.
    const st = lstatSync(this.path, { throwIfNoEntry: false });
    if (st) {
      if (!st.isSocket()) throw new Error(`${this.path} exists and is not a socket; refusing to remove it`);
      if (await socketIsLive(this.path)) throw new SocketInUseError(this.path);
      await unlink(this.path).catch(() => undefined);
    }
    const server = this.createLimitedServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (this.mode !== undefined) {
      try {
        chmodSync(this.path, this.mode);
      } catch (err) {
        await closeServer(server);
        await unlink(this.path).catch(() => undefined);
        throw new Error(`cannot set mode ${this.mode.toString(8)} on ${this.path}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.server = server;
  }

  /** Closes every open connection (in-flight requests die with them) and keeps listening. */
  dropConnections(): void {
    this.server?.closeAllConnections();
  }

  private createLimitedServer(): Server {
    const { limits, budget } = this.opts;
    const server = createServer({
      keepAlive: true,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    }, this.listener);
    server.maxConnections = limits.maxConnections;
    server.on('connection', (socket: Socket) => {
      if (budget) {
        if (!budget.tryTake()) {
          socket.destroy();
          return;
        }
        socket.once('close', () => budget.release());
      }
      // Nothing sent yet: node's headersTimeout only starts with the first byte, so an idle
      // connection gets a socket timeout (the http server destroys a socket that times out).
      socket.setTimeout(limits.idleMs);
    });
    server.on('request', (req) => req.socket.setTimeout(0));
    return server;
  }

  /** Stops listening, closes connections, removes the socket file. Safe before start and twice. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeServer(server);
    await unlink(this.path).catch(() => undefined);
  }
}
