import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { ConnectionBudget, type ConnectionLimits } from './connection-limits.js';
import { ENCLAVE_SOCKET_MODE, SLOT_DIR_MODE, SLOTS_DIR, SLOTS_DIR_MODE, slotSocketDir, slotSocketPath } from '../contracts/controller-api/socket-names.js';
import { UnixSocketServer } from './unix-socket-server.js';

/** What the control API needs of the per-slot sockets (bind opens, unbind closes). */
export interface SlotSocketsPort {
  /** Serves the slot's enclave socket (idempotent); resolves once it accepts connections. */
  open(slot: string): Promise<void>;
  /** Stops serving the slot's socket and removes it (its directory stays, so a mount of it stays valid). */
  close(slot: string): Promise<void>;
  /** Closes the slot's open connections (it was rebound to another cgroup) and keeps serving. */
  dropConnections(slot: string): void;
}

/** Directory of the spare listening sockets, inside the socket dir: the controller's uid only. */
export const SPARE_SOCKETS_DIR = 'spare';
/** Mode of the spare dir: nobody else can reach (or list) a spare socket before it is a slot's. */
export const SPARE_SOCKETS_DIR_MODE = 0o700;
/** Spare sockets kept listening (a bind takes one; more slots at once than this take the slow path). */
export const SPARE_SOCKETS = 4;

/** A listening server not yet any slot's: its requests go to `listener` once a bind sets it. */
interface Spare {
  server: UnixSocketServer;
  target: { listener?: RequestListener };
}

/** Options of `SlotSockets`. */
export interface SlotSocketsOptions {
  socketDir: string;
  /** The enclave API of one slot (identity = the socket the connection came through). */
  listenerFor: (slot: string) => RequestListener;
  limits: ConnectionLimits;
  budget: ConnectionBudget;
  log: Logger;
}

/**
 * One enclave socket per bound slot at `<socketDir>/slots/<slot>/enclave.sock`. The device plugin
 * mounts the slot's directory into the container, so a pod reaches exactly its own socket and
 * the controller knows the caller's slot from the listener, never from the request. All slot
 * sockets share one connection budget; control.sock is outside it.
 */
export class SlotSockets implements SlotSocketsPort {
  private readonly servers = new Map<string, UnixSocketServer>();
  private readonly opening = new Map<string, Promise<void>>();
  private readonly spares: Spare[] = [];
  private spareDir: string | undefined;
  private spareSeq = 0;
  private refilling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly o: SlotSocketsOptions) {}

  /** Creates `slots/` with its mode (traversable, not listable). */
  async prepare(): Promise<void> {
    const dir = join(this.o.socketDir, SLOTS_DIR);
    await mkdir(dir, { recursive: true });
    await chmod(dir, SLOTS_DIR_MODE);
  }

  /**
   * Keeps SPARE_SOCKETS servers listening in `<socketDir>/spare` (mode 0700, never mounted), so a
   * bind gives one of them the slot's name (link + unlink, microseconds) instead of a listen on
   * the PreStart path. Call once the controller owns the socket dir (after control.sock is
   * claimed): leftovers of an earlier controller in the spare dir are removed.
   */
  async startSpares(): Promise<void> {
    if (this.closed || this.spareDir) return;
    const dir = join(this.o.socketDir, SPARE_SOCKETS_DIR);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: SPARE_SOCKETS_DIR_MODE });
    chmodSync(dir, SPARE_SOCKETS_DIR_MODE);
    this.spareDir = dir;
    await this.refill();
  }

  async open(slot: string): Promise<void> {
    if (this.closed) throw new Error('the controller is stopping');
    if (this.servers.has(slot)) return;
    let p = this.opening.get(slot);
    if (!p) {
      p = this.start(slot).finally(() => this.opening.delete(slot));
      this.opening.set(slot, p);
    }
    return p;
  }

  async close(slot: string): Promise<void> {
    await this.opening.get(slot)?.catch(() => undefined);
    const server = this.servers.get(slot);
    this.servers.delete(slot);
    await server?.stop();
  }

  dropConnections(slot: string): void {
    this.servers.get(slot)?.dropConnections();
  }

  /** The slot's socket path (whether or not it is served). */
  pathOf(slot: string): string {
    return slotSocketPath(this.o.socketDir, slot);
  }

  /** Slots served now. */
  served(): string[] {
    return [...this.servers.keys()];
  }

  /** Closes every slot socket. Idempotent. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.opening.values()].map((p) => p.catch(() => undefined)));
    await this.refilling;
    const all = [...this.servers.values(), ...this.spares.splice(0).map((s) => s.server)];
    this.servers.clear();
    await Promise.all(all.map((s) => s.stop()));
    if (this.spareDir) rmSync(this.spareDir, { recursive: true, force: true });
  }

  /** Tops the spares up to SPARE_SOCKETS (one refill at a time); a failure only logs (binds then listen themselves). */
  private refill(): Promise<void> {
    this.refilling ??= (async () => {
      try {
        while (!this.closed && this.spareDir && this.spares.length < SPARE_SOCKETS) {
          const target: Spare['target'] = {};
          const listener = (req: IncomingMessage, res: ServerResponse): void => {
            if (target.listener) return target.listener(req, res);
            res.writeHead(503).end(); // unreachable: the spare dir is the controller's own
          };
          const server = this.serverAt(join(this.spareDir, `${++this.spareSeq}.sock`), listener);
          await server.start();
          if (this.closed) await server.stop();
          else this.spares.push({ server, target });
        }
      } catch (err) {
        this.o.log.warn({ error: (err as Error).message }, 'cannot keep a spare enclave socket listening; binds listen on the slot socket themselves');
      } finally {
        this.refilling = undefined;
      }
    })();
    return this.refilling;
  }

  /** An enclave socket server (mode, limits and budget of every slot socket) at `path`, not yet listening. */
  private serverAt(path: string, listener: RequestListener): UnixSocketServer {
    return new UnixSocketServer(path, listener, { mode: ENCLAVE_SOCKET_MODE, limits: this.o.limits, budget: this.o.budget });
  }

  /** A spare server renamed to the slot's socket path and serving the slot, if one is at hand. */
  private takeSpare(slot: string): UnixSocketServer | undefined {
    const spare = this.spares.shift();
    if (!spare) return undefined;
    setImmediate(() => void this.refill());
    spare.target.listener = this.o.listenerFor(slot);
    try {
      spare.server.moveTo(this.pathOf(slot));
    } catch (err) {
      void spare.server.stop();
      this.o.log.debug({ slot, error: (err as Error).message }, 'spare enclave socket not usable for the slot; listening anew');
      return undefined;
    }
    return spare.server;
  }

  /**
   * The slot dir is ours, but a pod had it mounted: whatever is at the socket's name and is not a
   * socket (a directory, a symlink, a file left by a tenant) is removed without following it, so
   * a slot is never left unusable for the next pod (UnixSocketServer refuses to remove a
   * non-socket, rightly for control.sock). A socket is left to UnixSocketServer (live: refused).
   * Returns whether a socket is left at the path (one lstat answers both questions).
   */
  private clearNonSocket(slot: string): boolean {
    const path = this.pathOf(slot);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSocket()) return st !== undefined;
    const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
    rmSync(path, { recursive: true, force: true });
    this.o.log.warn({ slot, path, kind }, 'removed a non-socket at the slot socket path before serving it (left by the slot\'s previous pod?)');
    return false;
  }

  private async start(slot: string): Promise<void> {
    const dir = slotSocketDir(this.o.socketDir, slot);
    // Synchronous: two local metadata calls, on the PreStart path (no threadpool round trips).
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, SLOT_DIR_MODE);
    // Nothing at the slot's path (the usual case: unbind removes it): a spare takes its name. A
    // socket left there (live: refused; stale: replaced) is UnixSocketServer's to judge.
    const spare = this.clearNonSocket(slot) ? undefined : this.takeSpare(slot);
    if (spare) {
      this.servers.set(slot, spare);
      this.o.log.debug({ slot, socket: this.pathOf(slot) }, 'slot enclave socket serving (a spare renamed)');
      return;
    }
    const server = this.serverAt(this.pathOf(slot), this.o.listenerFor(slot));
    await server.start();
    if (this.closed) {
      await server.stop();
      throw new Error('the controller is stopping');
    }
    this.servers.set(slot, server);
    this.o.log.debug({ slot, socket: this.pathOf(slot) }, 'slot enclave socket serving');
  }
}
