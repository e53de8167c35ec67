/** Request body reading and JSON responses for the double, with the real server's failure codes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, tooLarge, type ApiStatus } from './api-status.js';

/** The real apiserver caps request bodies at 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body (413 beyond `limit`). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; 400 naming the parse problem (and that the body was empty, if so). */
export function parseJsonBody(text: string, what = 'request body'): unknown {
  if (text.trim() === '') throw badRequest(`${what} is empty: expected a JSON object`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The media type of the request, lower-cased, without parameters ("" when absent). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: ApiStatus): void {
  sendJson(res, status.code, status);
}
