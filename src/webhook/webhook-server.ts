/**
 * `startWebhookServer`: the express app over HTTPS with hot-reloaded certificates, plus a plain
 * HTTP metrics listener on its own port. Every listener, timer and watcher is released by stop().
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/logger.js';
import type { WebhookConfig } from './config.js';
import { loadTlsPair, TlsReloader } from './tls-reloader.js';
import { createWebhookRequestListener } from './webhook-app.js';
import { WebhookMetrics } from './webhook-metrics.js';
import type { EnclaveOffers } from './node-offers.js';
import { registerOfferMetrics } from './node-offer-watch.js';

/** How long stop() lets in-flight requests finish before closing their connections. */
export const DEFAULT_STOP_GRACE_MS = 5000;

/**
 * What one client connection may hold (issue 11: slow clients). The API server sends a small
 * request at once and keeps its connections alive; a client that is slower than these bounds
 * is not the API server. Node's own defaults hold a silent TLS connection 120 s, unfinished
 * headers 60 s (checked every 30 s) and an unfinished body 300 s, with no connection cap.
 */
export interface WebhookConnectionLimits {
  /** TCP connected, TLS handshake not finished (tls.Server handshakeTimeout). */
  handshakeTimeoutMs: number;
  /** Request headers not complete (http.Server headersTimeout). */
  headersTimeoutMs: number;
  /** Whole request (headers and body) not complete (http.Server requestTimeout). */
  requestTimeoutMs: number;
  /** Idle keep-alive connection between requests (http.Server keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** How often header/request timeouts are checked (http.Server connectionsCheckingInterval). */
  checkIntervalMs: number;
  /** Open connections at most; more are closed on accept (net.Server maxConnections). */
  maxConnections: number;
}

/** The bounds by default: a few seconds each, within the configurations' timeoutSeconds (5). */
export const DEFAULT_CONNECTION_LIMITS: WebhookConnectionLimits = {
  handshakeTimeoutMs: 3000,
  headersTimeoutMs: 3000,
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  checkIntervalMs: 500,
  maxConnections: 2048,
};

export interface WebhookServerOptions {
  config: WebhookConfig;
  /** Bind address; 0.0.0.0 in a cluster, 127.0.0.1 in tests. */
  host?: string;
  /** HTTPS port (0 = any free port). */
  port: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** Metrics port (0 = any free port); undefined = no metrics listener. */
  metricsPort?: number;
  metricsHost?: string;
  logger?: Logger;
  tlsPollIntervalMs?: number;
  bodyLimitBytes?: number;
  stopGraceMs?: number;
  /** Serve admission POSTs without express routing (default true); see webhook-app.ts. */
  fastPath?: boolean;
  /** Whether some Node offers the enclave resource (a NodeOfferWatch the caller starts and stops). */
  offers?: EnclaveOffers;
  /** Per-connection bounds; unset fields take DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<WebhookConnectionLimits>;
}

/** A running webhook. */
export interface WebhookServer {
  readonly port: number;
  readonly metricsPort?: number;
  readonly metrics: WebhookMetrics;
  /** Graceful, idempotent: readiness goes false, listeners close, in-flight requests finish. */
  stop(): Promise<void>;
}

function listen(server: HttpServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: HttpServer | HttpsServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Starts the HTTPS webhook (and the metrics listener). Throws if the TLS pair is unusable or a
 * port cannot be bound; nothing stays open in that case.
 */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const host = opts.host ?? '0.0.0.0';
  const pair = loadTlsPair(opts.tlsCertFile, opts.tlsKeyFile);
  const metrics = new WebhookMetrics();
  if (opts.offers) registerOfferMetrics(metrics.registry, opts.offers);
  let ready = false;
  const listener = createWebhookRequestListener({ config: opts.config, metrics, logger: opts.logger, isReady: () => ready, bodyLimitBytes: opts.bodyLimitBytes, fastPath: opts.fastPath, offers: opts.offers });
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.connectionLimits };
  const https = createHttpsServer(
    {
      cert: pair.cert,
      key: pair.key,
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    listener,
  );
  https.maxConnections = limits.maxConnections;
  https.on('tlsClientError', (err) => opts.logger?.debug({ err: err.message }, 'TLS client error'));
  const reloader = new TlsReloader({
    certFile: opts.tlsCertFile,
    keyFile: opts.tlsKeyFile,
    pollIntervalMs: opts.tlsPollIntervalMs,
    onReload: (p) => {
      https.setSecureContext({ cert: p.cert, key: p.key });
      metrics.tlsReload('ok');
      opts.logger?.info('serving certificate reloaded');
    },
    onError: (err) => {
      metrics.tlsReload('error');
      opts.logger?.warn({ err: err.message }, 'serving certificate not reloaded');
    },
  });
  const metricsServer =
    opts.metricsPort === undefined
      ? undefined
      : createHttpServer((req, res) => {
          if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
            metrics.render().then(
              ({ contentType, text }) => res.writeHead(200, { 'Content-Type': contentType }).end(text),
              () => res.writeHead(500).end(),
            );
          } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        });

  let port: number;
  let metricsPort: number | undefined;
  try {
    port = await listen(https, opts.port, host);
    if (metricsServer) metricsPort = await listen(metricsServer, opts.metricsPort ?? 0, opts.metricsHost ?? host);
  } catch (err) {
    await close(https, 0);
    throw err;
  }
  reloader.start(pair);
  ready = true;

  let stopping: Promise<void> | undefined;
  return {
    port,
    metricsPort,
    metrics,
    stop() {
      stopping ??= (async () => {
        ready = false;
        reloader.stop();
        const grace = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
        await Promise.all([close(https, grace), metricsServer ? close(metricsServer, grace) : Promise.resolve()]);
      })();
      return stopping;
    },
  };
}
