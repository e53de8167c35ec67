/**
 * Keeps a TLS server's certificate current: reads the cert and key files, and when either
 * changes (a renewed Secret, cert-manager, a test rewriting them) validates the pair and hands
 * it over (`server.setSecureContext`), so new handshakes use the new cert while open
 * connections carry on. A half-written or mismatched pair is reported and the old one kept.
 * Change detection: a poll of both files (always works, including Secret symlink swaps) plus
 * fs.watch on their directories to react sooner where the platform supports it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';

/** Default poll interval; Kubernetes updates mounted Secrets within about a minute anyway. */
export const DEFAULT_TLS_POLL_MS = 2000;
const WATCH_DEBOUNCE_MS = 50;

/** A certificate chain and its private key, PEM. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

export interface TlsReloaderOptions {
  certFile: string;
  keyFile: string;
  /** Called with a validated new pair. */
  onReload: (pair: TlsPair) => void;
  /** Called when a changed pair cannot be used (the old one stays). */
  onError?: (err: Error) => void;
  pollIntervalMs?: number;
}

/** Reads and validates a pair now; throws an Error naming the file on failure. */
export function loadTlsPair(certFile: string, keyFile: string): TlsPair {
  const read = (f: string) => {
    try {
      return readFileSync(f);
    } catch (err) {
      throw new Error(`cannot read ${f}: ${(err as Error).message}`);
    }
  };
  const pair = { cert: read(certFile), key: read(keyFile) };
  validate(pair, certFile, keyFile);
  return pair;
}

function validate(pair: TlsPair, certFile: string, keyFile: string): void {
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(`TLS pair ${certFile} / ${keyFile} is unusable: ${(err as Error).message}`);
  }
}

/** Watches the pair; start/stop are idempotent and stop releases every timer and watcher. */
export class TlsReloader {
  private current?: TlsPair;
  private lastBad?: TlsPair;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private watchers: FSWatcher[] = [];
  private checking = false;

  constructor(private readonly opts: TlsReloaderOptions) {}

  /** Starts watching from `initial` (the pair the server was started with). */
  start(initial: TlsPair): void {
    if (this.timer) return;
    this.current = initial;
    this.timer = setInterval(() => void this.check(), this.opts.pollIntervalMs ?? DEFAULT_TLS_POLL_MS);
    this.timer.unref();
    for (const dir of new Set([dirname(this.opts.certFile), dirname(this.opts.keyFile)])) {
      try {
        const w = watch(dir, { persistent: false }, () => this.soon());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // Polling still works.
      }
    }
  }

  /** Stops polling and watching. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.timer = this.debounce = undefined;
    this.watchers = [];
  }

  private soon(): void {
    if (!this.timer || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.check();
    }, WATCH_DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** Compares the files with the pair in use; reloads when they differ. Exposed for tests. */
  async check(): Promise<void> {
    if (this.checking || !this.timer) return;
    this.checking = true;
    try {
      let pair: TlsPair;
      try {
        pair = { cert: await readFile(this.opts.certFile), key: await readFile(this.opts.keyFile) };
      } catch {
        return; // mid-rotation (file briefly absent): try again at the next tick
      }
      if (same(pair, this.current) || same(pair, this.lastBad)) return;
      try {
        validate(pair, this.opts.certFile, this.opts.keyFile);
      } catch (err) {
        this.lastBad = pair;
        this.opts.onError?.(err as Error);
        return;
      }
      this.current = pair;
      this.lastBad = undefined;
      if (this.timer) this.opts.onReload(pair);
    } finally {
      this.checking = false;
    }
  }
}

function same(a: TlsPair, b: TlsPair | undefined): boolean {
  return b !== undefined && a.cert.equals(b.cert) && a.key.equals(b.key);
}
