/**
 * Which `epc controller` instance serves control.sock right now, known without a round trip (the
 * container-restart fast path of `ModelBackend.applyCgroup` asks this per call).
 *
 * The controller's state lives in its process: it changes only through control.sock or is lost
 * when the process ends. Each controller has a random instance id (never shared with a later
 * start) and `GET /v1/instance` answers it as one line and then holds the response open for the
 * controller's life. This watch keeps that one response open:
 *  - the controller exits (stopped, crashed, SIGKILLed: the kernel closes its sockets) -> the
 *    response ends -> `current()` is undefined at once, until a new watch has read the next id;
 *  - control.sock is replaced (a new controller unlinks a stale socket and listens again; an
 *    operator removes it) -> the socket file's identity (dev, inode, birth and change time, from
 *    one synchronous stat per call, a few µs) differs from the one the watch connected to ->
 *    undefined, and the watch is dropped.
 * The watch's file identity is taken before it connects and checked again when its first line
 * arrives, so the instance read is the one listening on that file. Anything unexpected (no such
 * route on an older controller, a malformed line, an error) leaves the instance unknown; unknown
 * only ever costs a real request. The watch's connection never keeps the process alive.
 */
import { statSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import type { InstanceLine } from '../contracts/controller-api/api-replies.js';

/** After a watch could not be opened (older controller, refused), no new attempt for this long. */
const RETRY_AFTER_MS = 5_000;
/** The first line is a short JSON object; anything longer is not a controller. */
const MAX_LINE = 1024;

interface Watch {
  req: ClientRequest;
  file: FileIdentity;
  instance?: string;
}

/** A file's identity: a new file, even at a reused inode number, gets a new birth and change time. */
export interface FileIdentity {
  dev: number;
  ino: number;
  birthtimeMs: number;
  ctimeMs: number;
}

/** The socket file's identity now, or undefined when there is none. Numbers, not bigints: a
 *  double holds these times to well under a µs (finer than the kernel's timestamp clock) and
 *  inode numbers exactly, and the per-call stat then allocates one small object. */
export function socketFileIdentity(path: string): FileIdentity | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function sameFile(a: FileIdentity | undefined, b: FileIdentity): boolean {
  return a !== undefined && a.ino === b.ino && a.dev === b.dev && a.ctimeMs === b.ctimeMs && a.birthtimeMs === b.birthtimeMs;
}

export class ControllerInstanceWatch {
  private watch: Watch | undefined;
  private retryAt = 0;
  private closed = false;

  constructor(private readonly socketPath: string) {}

  /** The instance serving control.sock now, or undefined when that is not known for sure. */
  current(): string | undefined {
    const w = this.watch;
    if (w?.instance === undefined) return undefined;
    if (!sameFile(socketFileIdentity(this.socketPath), w.file)) {
      this.drop(w);
      return undefined;
    }
    return w.instance;
  }

  /** Opens the watch unless one is open (called after a request reached the controller). Never throws. */
  ensure(): void {
    if (this.watch || this.closed || Date.now() < this.retryAt) return;
    const st = socketFileIdentity(this.socketPath);
    if (!st) return;
    const file: FileIdentity = { dev: st.dev, ino: st.ino, birthtimeMs: st.birthtimeMs, ctimeMs: st.ctimeMs };
    const req = request({ socketPath: this.socketPath, method: 'GET', path: '/v1/instance', agent: false });
    const w: Watch = { req, file };
    this.watch = w;
    const fail = () => {
      this.retryAt = Date.now() + RETRY_AFTER_MS;
      this.drop(w);
    };
    req.on('socket', (s) => s.unref());
    req.on('error', fail);
    req.on('close', () => this.drop(w));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail();
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('error', () => this.drop(w));
      res.on('close', () => this.drop(w));
      res.on('data', (chunk: string) => {
        if (w.instance !== undefined) return;
        text += chunk;
        const nl = text.indexOf('\n');
        if (nl < 0) {
          if (text.length > MAX_LINE) fail();
          return;
        }
        const id = parseInstance(text.slice(0, nl));
        if (id === undefined || !sameFile(socketFileIdentity(this.socketPath), file)) fail();
        else w.instance = id;
      });
    });
    req.end();
  }

  /** Ends the watch for good. Safe twice. */
  close(): void {
    this.closed = true;
    if (this.watch) this.drop(this.watch);
  }

  private drop(w: Watch): void {
    if (this.watch === w) this.watch = undefined;
    w.instance = undefined;
    if (!w.req.destroyed) w.req.destroy();
  }
}

function parseInstance(line: string): string | undefined {
  try {
    const id = (JSON.parse(line) as Partial<InstanceLine>)?.instance;
    return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
  } catch {
    return undefined;
  }
}
