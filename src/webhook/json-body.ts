/**
 * Reads a request body as JSON with a hard size limit. Replaces `express.json()`, whose 100 kB
 * default is too small for pods (objects go up to 3 MiB; controller-runtime accepts 7 MiB) and
 * which costs more per request than a plain read. Outcomes are values, mapped to HTTP by the app.
 */
import type { IncomingMessage } from 'node:http';

/** controller-runtime's admission body limit. */
export const DEFAULT_BODY_LIMIT_BYTES = 7 * 1024 * 1024;
/** Beyond this many bytes past the limit we stop draining and drop the connection. */
const DRAIN_FACTOR = 4;

export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413; message: string; closeConnection: boolean };

/** Reads and parses the body of `req`; resolves once, never rejects. */
export function readJsonBody(req: IncomingMessage, limitBytes: number = DEFAULT_BODY_LIMIT_BYTES): Promise<JsonBody> {
  return new Promise((resolve) => readJsonBodyInto(req, limitBytes, resolve));
}

/**
 * Callback form of readJsonBody for the hot path (no promise per request): `done` is called
 * exactly once.
 */
export function readJsonBodyInto(req: IncomingMessage, limitBytes: number, done: (body: JsonBody) => void): void {
  new BodyReader(req, limitBytes, done);
}

class BodyReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private tooLarge: boolean;
  private settled = false;

  constructor(private readonly req: IncomingMessage, private readonly limit: number, private readonly done: (body: JsonBody) => void) {
    const declared = Number(req.headers['content-length']);
    this.tooLarge = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => this.onData(chunk));
    req.on('end', () => this.onEnd());
    // An aborted request emits 'error' (ECONNRESET); nobody is left to read the answer anyway.
    req.on('error', () => this.finish({ ok: false, status: 400, message: 'request aborted', closeConnection: true }));
  }

  private finish(r: JsonBody): void {
    if (this.settled) return;
    this.settled = true;
    this.chunks = [];
    this.done(r);
  }

  private tooLargeResult(): JsonBody {
    return { ok: false, status: 413, message: `request body larger than ${this.limit} bytes`, closeConnection: true };
  }

  private onData(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.tooLarge = true;
      this.chunks = [];
      if (this.size > this.limit * DRAIN_FACTOR) {
        this.finish(this.tooLargeResult());
        this.req.socket.destroy();
      }
      return;
    }
    if (!this.tooLarge) this.chunks.push(chunk);
  }

  private onEnd(): void {
    if (this.tooLarge) return this.finish(this.tooLargeResult());
    const { chunks } = this;
    const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, this.size).toString('utf8');
    if (text.length === 0) return this.finish({ ok: false, status: 400, message: 'empty request body', closeConnection: false });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.finish({ ok: false, status: 400, message: `malformed JSON: ${(err as Error).message}`, closeConnection: false });
    }
    this.finish({ ok: true, value });
  }
}
