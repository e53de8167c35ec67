import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import type { Logger } from '../util/logger.js';
import { ApiError, statusOf } from '../contracts/controller-api/api-error.js';

/** Bodies above this are refused with 413 before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What a handler gets: the parsed JSON body (undefined for none), path params, query. */
export interface RouteRequest {
  body: unknown;
  params: Record<string, string>;
  query: URLSearchParams;
}

/** A handler returns a JSON body (status 200 unless given) or throws `ApiError`. */
export type RouteHandler = (req: RouteRequest) => Promise<RouteReply> | RouteReply;
export interface RouteReply {
  status?: number;
  body: unknown;
  /** Send `body` as one JSON line and keep the response open until the connection closes (the
   *  controller stops, or the client hangs up): a watch whose end is the news. */
  hold?: boolean;
}

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/** The params of a route without `:name` segments (never written to). */
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * A minimal JSON router over node:http (express would add ~20 µs per request on the enclave hot
 * path). Patterns are `/v1/enclaves/:id/add`. Every failure becomes a JSON error with the status
 * from `STATUS_BY_CODE`; a handler bug is a logged 500, never a crash.
 */
export class HttpRouter {
  private readonly routes: Route[] = [];
  /** Routes without params by "METHOD /a/b": one Map lookup for the common request. */
  private readonly exact = new Map<string, Route>();
  /** Requests received (answered or not): what callers cost this server, for tests and benches. */
  requests = 0;
  constructor(private readonly log: Logger) {}

  /** Registers a route; later registrations never shadow earlier ones. */
  on(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, handler: RouteHandler): this {
    const route = { method, segments: pattern.split('/').filter(Boolean), handler };
    this.routes.push(route);
    const key = `${method} /${route.segments.join('/')}`;
    // Only where no earlier route (with params) already answers the same requests.
    const isStatic = !route.segments.some((p) => p.startsWith(':'));
    if (isStatic && !this.routes.some((r) => r !== route && r.method === method && match(r.segments, route.segments))) this.exact.set(key, route);
    return this;
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res);
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    try {
      // The request target is origin-form (/path?query): split by hand, no URL object per request.
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const pathname = q < 0 ? target : target.slice(0, q);
      let route = this.exact.get(`${req.method} ${pathname}`);
      let params: Record<string, string> | undefined = route ? NO_PARAMS : undefined;
      if (!route) {
        const parts = pathname.split('/').filter(Boolean);
        let pathMatched = false;
        for (const r of this.routes) {
          const p = match(r.segments, parts);
          if (!p) continue;
          pathMatched = true;
          if (r.method === req.method) {
            route = r;
            params = p;
            break;
          }
        }
        if (!route || !params) {
          await drain(req);
          throw new ApiError('ENOSYS', pathMatched ? `method ${req.method} not allowed on ${pathname}` : `no route ${req.method} ${pathname}`);
        }
      }
      const body = await readJsonBody(req);
      const reply = await route.handler({ body, params: params!, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) });
      if (reply.hold) sendHeld(res, reply.status ?? 200, reply.body);
      else send(res, reply.status ?? 200, reply.body);
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, statusOf(err.code), { ...(err.extra ?? {}), error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
      } else if (req.destroyed || (err as NodeJS.ErrnoException)?.code === 'ECONNRESET') {
        // The client went away (or the server's timeout ended it) mid-request: nothing to answer, no error to log.
        this.log.debug({ err: (err as Error)?.message }, 'request aborted by the client');
      } else {
        this.log.error({ err }, 'request handler failed');
        send(res, 500, { error: { code: 'EIO', message: `internal error: ${err instanceof Error ? err.message : String(err)}` } });
      }
    }
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  for (let i = 0; i < pattern.length; i++) if (!pattern[i].startsWith(':') && pattern[i] !== parts[i]) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      try {
        params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
    }
  }
  return params;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** One JSON line, chunked, and the response left open (no content-length, no end). */
function sendHeld(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  res.write(`${JSON.stringify(body)}\n`);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) void _;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) tooBig = true;
    else chunks.push(c);
  }
  if (tooBig) throw new ApiError('E2BIG', `request body larger than ${MAX_BODY_BYTES} bytes`, { field: 'body' });
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('EINVAL', `body is not valid JSON: ${(err as Error).message}`, { field: 'body' });
  }
}

/** Validates `value` with a zod schema; a failure is EINVAL naming the first bad field. */
export function validate<T>(schema: ZodType<T>, value: unknown, what = 'body'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : what;
  throw new ApiError('EINVAL', `invalid ${what}: ${field}: ${issue?.message ?? 'invalid'}`, { field });
}
