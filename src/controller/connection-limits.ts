/**
 * Connection limits of the controller's sockets. Enclave sockets (tenants) get short timeouts, a
 * per-socket cap and a shared global cap (`ConnectionBudget`); control.sock has its own server and
 * limits, never counted against the enclave budget, so no enclave-socket abuse can starve it.
 */
import { readFileSync } from 'node:fs';

/** Limits of one unix socket server. Times in ms. */
export interface ConnectionLimits {
  /** Connections this socket holds at once; more are closed on accept. */
  maxConnections: number;
  /** A connection that has not started a request within this is closed. */
  idleMs: number;
  /** Request headers must be complete within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveTimeoutMs: number;
}

/** Per enclave socket: a pod has one; a few connections are plenty for one enclave app. */
export const ENCLAVE_LIMITS: Readonly<ConnectionLimits> = {
  maxConnections: 32,
  idleMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
};

/** control.sock: the agent and operators (0600), generous but bounded. */
export const CONTROL_LIMITS: Readonly<ConnectionLimits> = {
  maxConnections: 256,
  idleMs: 60_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
};

/** Default cap on connections across all enclave sockets together (further clamped by the fd limit). */
export const DEFAULT_ENCLAVE_CONNECTIONS = 2048;

/**
 * A shared count of open connections with a cap: every enclave socket takes one unit per accepted
 * connection and gives it back on close. Over the cap the new connection is closed at once, so a
 * flood never holds more than `max` file descriptors.
 */
export class ConnectionBudget {
  private open = 0;
  /** Connections refused because the budget was spent. */
  refused = 0;
  constructor(readonly max: number) {}

  /** Takes one unit; false when spent. */
  tryTake(): boolean {
    if (this.open >= this.max) {
      this.refused++;
      return false;
    }
    this.open++;
    return true;
  }

  /** Gives one unit back. */
  release(): void {
    if (this.open > 0) this.open--;
  }

  /** Connections open now. */
  get inUse(): number {
    return this.open;
  }
}

/** The soft limit on open files of this process (Linux /proc/self/limits), or undefined if unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The enclave budget for this process: `wanted`, at most half the fd limit (the rest stays for control.sock, files, the model). */
export function enclaveBudgetSize(wanted = DEFAULT_ENCLAVE_CONNECTIONS, fdLimit = openFilesLimit()): number {
  if (fdLimit === undefined) return wanted;
  return Math.max(16, Math.min(wanted, Math.floor(fdLimit / 2)));
}
