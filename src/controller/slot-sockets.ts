import type { RequestListener } from 'node:http';
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
  private closed = false;

  constructor(private readonly o: SlotSocketsOptions) {}

  /** Creates `slots/` with its mode (traversable, not listable). */
  async prepare(): Promise<void> {
    const dir = join(this.o.socketDir, SLOTS_DIR);
    await mkdir(dir, { recursive: true });
    await chmod(dir, SLOTS_DIR_MODE);
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
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.stop()));
  }

  /**
   * The slot dir is ours, but a pod had it mounted: whatever is at the socket's name and is not a
   * socket (a directory, a symlink, a file left by a tenant) is removed without following it, so
   * a slot is never left unusable for the next pod (UnixSocketServer refuses to remove a
   * non-socket, rightly for control.sock). A socket is left to UnixSocketServer (live: refused).
   */
  private clearNonSocket(slot: string): void {
    const path = this.pathOf(slot);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSocket()) return;
    const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
    rmSync(path, { recursive: true, force: true });
    this.o.log.warn({ slot, path, kind }, 'removed a non-socket at the slot socket path before serving it (left by the slot\'s previous pod?)');
  }

  private async start(slot: string): Promise<void> {
    const dir = slotSocketDir(this.o.socketDir, slot);
    // Synchronous: two local metadata calls, on the PreStart path (no threadpool round trips).
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, SLOT_DIR_MODE);
    this.clearNonSocket(slot);
    const server = new UnixSocketServer(this.pathOf(slot), this.o.listenerFor(slot), { mode: ENCLAVE_SOCKET_MODE, limits: this.o.limits, budget: this.o.budget });
    await server.start();
    if (this.closed) {
      await server.stop();
      throw new Error('the controller is stopping');
    }
    this.servers.set(slot, server);
    this.o.log.debug({ slot, socket: this.pathOf(slot) }, 'slot enclave socket serving');
  }
}
