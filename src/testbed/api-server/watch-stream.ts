/**
 * One open watch response: newline-delimited `{"type","object"}` JSON events on a chunked 200
 * response, as kube-apiserver streams them. Too-old resourceVersion -> one ERROR event carrying
 * the 410 Status, then the stream ends (client-go and client-node relist on that). Optional
 * BOOKMARK events and `timeoutSeconds`. Every timer is cleared and the watch unregistered when
 * the response closes, whichever side closes it.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, type ApiStatus } from './api-status.js';
import type { ObjectStore, WatchEvent } from './object-store.js';

export interface WatchStreamOptions {
  store: ObjectStore;
  storeKey: string;
  kind: string;
  apiVersion: string;
  filter: (obj: any) => boolean;
  fromRv: number | undefined;
  /** Send BOOKMARK events this often (allowWatchBookmarks=true); 0 = never. */
  bookmarkIntervalMs: number;
  /** End the watch after this many seconds (the `timeoutSeconds` query parameter). */
  timeoutSeconds?: number;
}

/** Starts streaming on `res`; returns a function that ends the stream cleanly. */
export function openWatchStream(res: ServerResponse, o: WatchStreamOptions): () => void {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
  const write = (ev: WatchEvent): void => {
    if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(ev) + '\n');
  };
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let unregister: () => void = () => undefined;
  const end = (): void => {
    if (!res.writableEnded) res.end();
  };
  const sendError = (status: ApiStatus): void => {
    write({ type: 'ERROR', object: status });
    end();
  };
  res.on('close', () => {
    unregister();
    clearTimeout(bookmarkTimer);
    clearTimeout(timeoutTimer);
  });
  try {
    unregister = o.store.watch({ resource: o.storeKey, filter: o.filter, send: write, expire: sendError }, o.fromRv);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    sendError(e.status);
    return end;
  }
  if (o.bookmarkIntervalMs > 0) {
    const tick = (): void => {
      write({ type: 'BOOKMARK', object: { kind: o.kind, apiVersion: o.apiVersion, metadata: { resourceVersion: o.store.currentResourceVersion() } } });
      bookmarkTimer = setTimeout(tick, o.bookmarkIntervalMs).unref();
    };
    bookmarkTimer = setTimeout(tick, o.bookmarkIntervalMs).unref();
  }
  if (o.timeoutSeconds !== undefined && o.timeoutSeconds > 0) timeoutTimer = setTimeout(end, o.timeoutSeconds * 1000).unref();
  return end;
}
