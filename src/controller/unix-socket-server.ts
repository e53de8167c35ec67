import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';

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

/**
 * An HTTP server on a unix socket that refuses to steal a live socket, replaces a stale socket
 * file, and on close drops idle keep-alive connections and removes its socket file. With `mode`,
 * the socket file gets exactly that mode after listen (connecting needs write permission on it;
 * until the chmod it has the umask's mode, which with the usual 022 lets only the owner connect).
 */
export class UnixSocketServer {
  private server: Server | undefined;
  constructor(readonly path: string, private readonly listener: RequestListener, private readonly mode?: number) {}

  /** Listens; throws `SocketInUseError` if a live process serves `path`. */
  async start(): Promise<void> {
    if (this.server) return;
    const st = await lstat(this.path).catch(() => undefined);
    if (st) {
      if (!st.isSocket()) throw new Error(`${this.path} exists and is not a socket; refusing to remove it`);
      if (await socketIsLive(this.path)) throw new SocketInUseError(this.path);
      await unlink(this.path).catch(() => undefined);
    }
    const server = createServer({ keepAlive: true }, this.listener);
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (this.mode !== undefined) {
      try {
        await chmod(this.path, this.mode);
      } catch (err) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await unlink(this.path).catch(() => undefined);
        throw new Error(`cannot set mode ${this.mode.toString(8)} on ${this.path}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.server = server;
  }

  /** Stops listening, closes connections, removes the socket file. Safe before start and twice. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await unlink(this.path).catch(() => undefined);
  }
}
