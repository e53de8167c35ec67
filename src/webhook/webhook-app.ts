/**
 * The express application: `POST /mutate`, `POST /validate`, `GET /healthz`, `GET /readyz`.
 * Transport only (TLS and ports live in webhook-server.ts); decisions come from the pure
 * handleAdmission, so the app is also usable over plain HTTP in a test or behind a proxy.
 *
 * Hot path: express 5 costs more per request than the whole review (it swaps the prototypes of
 * req/res and runs the router on every call; measured at ~40% of a bare node:https server's
 * throughput). `createWebhookRequestListener` therefore dispatches `POST /mutate|/validate`
 * straight to the same admission handler the express routes use, and hands everything else
 * to express. Behaviour is identical either way (tests run both).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../util/logger.js';
import { handleAdmission, type AdmissionEndpoint, type DecisionLabels } from './admission-handler.js';
import type { WebhookConfig } from './config.js';
import { DEFAULT_BODY_LIMIT_BYTES, readJsonBodyInto, type JsonBody } from './json-body.js';
import type { WebhookMetrics } from './webhook-metrics.js';
import { describeOffers, type EnclaveOffers } from './node-offers.js';
import { REQUIRE_ENFORCEMENT_PATH } from './enforced-affinity.js';

export interface WebhookAppOptions {
  config: WebhookConfig;
  metrics?: WebhookMetrics;
  logger?: Logger;
  /** Readiness: false -> /readyz answers 503 (e.g. while stopping). Default always ready. */
  isReady?: () => boolean;
  bodyLimitBytes?: number;
  /** Whether some Node offers the enclave resource (the Node watch); absent = assume so, no /readyz line. */
  offers?: EnclaveOffers;
}

/** Builds the express app. Stateless apart from the metrics it records into. */
export function createWebhookApp(opts: WebhookAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const admission = (endpoint: AdmissionEndpoint) => createAdmissionHandler(endpoint, opts);
  app.post('/mutate', admission('mutate'));
  app.post(REQUIRE_ENFORCEMENT_PATH, createAdmissionHandler('mutate', opts, true));
  app.post('/validate', admission('validate'));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = opts.isReady?.() ?? true;
    const detail = opts.offers ? `\n${describeOffers(opts.offers.state(), opts.config.resourceNames.enclave)}` : '';
    res.status(ready ? 200 : 503).type('text/plain').send((ready ? 'ok' : 'not ready') + detail);
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    opts.logger?.error({ err }, 'webhook request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });
  return app;
}

/**
 * The admission handler for one endpoint on plain node req/res (express's req/res are the same
 * objects): reads the body with the size limit, decides, answers, records metrics.
 */
export function createAdmissionHandler(endpoint: AdmissionEndpoint, opts: WebhookAppOptions, requireEnforcement = false): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const serve = createAdmissionServer(endpoint, opts, requireEnforcement);
  return (req, res) => new Promise<void>((resolve, reject) => serve(req, res, (err) => (err === undefined ? resolve() : reject(err))));
}

/** Called once per request by an admission server: `err` set when answering threw. */
type AdmissionDone = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;

/**
 * Callback form for the fast path: no promise and no closure per request beyond the body
 * reader's. `done` is called once, with the error if answering threw.
 */
function createAdmissionServer(endpoint: AdmissionEndpoint, opts: WebhookAppOptions, requireEnforcement: boolean): (req: IncomingMessage, res: ServerResponse, done: AdmissionDone) => void {
  const limit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  return (req, res, done) => {
    const started = performance.now();
    readJsonBodyInto(req, limit, (body) => {
      try {
        respond(endpoint, opts, body, res, started, requireEnforcement);
      } catch (err) {
        return done(err, req, res);
      }
      done(undefined, req, res);
    });
  };
}

function respond(endpoint: AdmissionEndpoint, opts: WebhookAppOptions, body: JsonBody, res: ServerResponse, started: number, requireEnforcement: boolean): void {
  let status: number;
  let payload: unknown;
  let text: string | undefined;
  let labels: DecisionLabels;
  let close = false;
  if (!body.ok) {
    status = body.status;
    payload = { error: body.message };
    labels = { rule: status === 413 ? 'body-too-large' : 'malformed-json', result: 'rejected' };
    close = body.closeConnection;
  } else {
    const r = handleAdmission(endpoint, body.value, opts.config, opts.offers, requireEnforcement);
    status = r.httpStatus;
    payload = r.body;
    text = r.text;
    labels = r.labels;
  }
  if (res.destroyed) return;
  text ??= JSON.stringify(payload);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers).end(text);
  opts.metrics?.observe(endpoint, labels, (performance.now() - started) / 1000);
  if (labels.result === 'denied' || labels.result === 'error') opts.logger?.info({ endpoint, ...labels }, 'admission decision');
}

/** Options for the server's request listener. */
export interface WebhookListenerOptions extends WebhookAppOptions {
  /** Dispatch admission POSTs without express (default true); false = everything via express. */
  fastPath?: boolean;
}

/**
 * The request listener for the HTTPS server: the express app, with admission POSTs taken on the
 * fast path. Paths are matched without the query string (the API server adds `?timeout=10s`).
 */
export function createWebhookRequestListener(opts: WebhookListenerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createWebhookApp(opts);
  if (opts.fastPath === false) return app;
  const mutate = createAdmissionServer('mutate', opts, false);
  const validate = createAdmissionServer('validate', opts, false);
  const mutateRequired = createAdmissionServer('mutate', opts, true);
  // Outside express nothing catches a throw: answer 500 rather than crash the process.
  const failed: AdmissionDone = (err, req, res) => {
    if (err === undefined) return;
    opts.logger?.error({ err, url: req.url }, 'webhook request failed');
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"internal error"}');
    else res.destroy();
  };
  return (req, res) => {
    if (req.method === 'POST' && req.url !== undefined) {
      const q = req.url.indexOf('?');
      const path = q === -1 ? req.url : req.url.slice(0, q);
      const serve = path === '/mutate' ? mutate : path === '/validate' ? validate : path === REQUIRE_ENFORCEMENT_PATH ? mutateRequired : undefined;
      if (serve !== undefined) {
        return serve(req, res, failed);
      }
    }
    app(req, res);
  };
}
