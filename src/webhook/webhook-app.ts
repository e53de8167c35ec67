/**
 * The express application: `POST /mutate`, `POST /validate`, `GET /healthz`, `GET /readyz`.
 * Transport only (TLS and ports live in webhook-server.ts); decisions come from the pure
 * handleAdmission, so the app is also usable over plain HTTP in a test or behind a proxy.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../util/logger.js';
import { handleAdmission, type AdmissionEndpoint } from './admission-handler.js';
import type { WebhookConfig } from './config.js';
import { DEFAULT_BODY_LIMIT_BYTES, readJsonBody } from './json-body.js';
import type { WebhookMetrics } from './webhook-metrics.js';

export interface WebhookAppOptions {
  config: WebhookConfig;
  metrics?: WebhookMetrics;
  logger?: Logger;
  /** Readiness: false -> /readyz answers 503 (e.g. while stopping). Default always ready. */
  isReady?: () => boolean;
  bodyLimitBytes?: number;
}

/** Builds the express app. Stateless apart from the metrics it records into. */
export function createWebhookApp(opts: WebhookAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const limit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  const admission = (endpoint: AdmissionEndpoint) => async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const body = await readJsonBody(req, limit);
    let status: number;
    let payload: unknown;
    let labels;
    if (!body.ok) {
      status = body.status;
      payload = { error: body.message };
      labels = { rule: status === 413 ? 'body-too-large' : 'malformed-json', result: 'rejected' as const };
      if (body.closeConnection) res.setHeader('Connection', 'close');
    } else {
      const r = handleAdmission(endpoint, body.value, opts.config);
      status = r.httpStatus;
      payload = r.body;
      labels = r.labels;
    }
    if (res.destroyed) return;
    const text = JSON.stringify(payload);
    res.status(status).type('application/json').send(text);
    opts.metrics?.observe(endpoint, labels, Number(process.hrtime.bigint() - started) / 1e9);
    if (labels.result === 'denied' || labels.result === 'error') opts.logger?.info({ endpoint, ...labels }, 'admission decision');
  };

  app.post('/mutate', admission('mutate'));
  app.post('/validate', admission('validate'));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = opts.isReady?.() ?? true;
    res.status(ready ? 200 : 503).type('text/plain').send(ready ? 'ok' : 'not ready');
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
