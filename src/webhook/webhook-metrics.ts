/**
 * The webhook's Prometheus metrics in their own Registry (never the global one, so several
 * servers in one process - tests, the demo - do not collide).
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { AdmissionEndpoint, DecisionLabels } from './admission-handler.js';

/** Latency buckets in seconds: the webhook should answer in single-digit milliseconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Decision counters, latency histogram and TLS reload counter. */
export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly decisions = new Counter({
    name: 'epc_webhook_decisions_total',
    help: 'Admission decisions by endpoint, deciding rule and result (allowed, patched, denied, rejected, error)',
    labelNames: ['endpoint', 'rule', 'result'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'epc_webhook_request_duration_seconds',
    help: 'Time from request start to response for admission endpoints',
    labelNames: ['endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly tlsReloads = new Counter({
    name: 'epc_webhook_tls_reloads_total',
    help: 'Serving certificate reloads by result (ok, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  // Label children by key: prom-client hashes a label object on every inc/observe (sorting its
  // keys); the label sets are few (endpoint x rule x result), so each child is looked up once.
  private readonly decisionChildren = new Map<string, { inc(): void }>();
  private readonly latencyChildren = new Map<string, { observe(v: number): void }>();

  /** Records one admission request. `seconds` from request start to reply. */
  observe(endpoint: AdmissionEndpoint, labels: DecisionLabels, seconds: number): void {
    const key = `${endpoint} ${labels.rule} ${labels.result}`;
    let decision = this.decisionChildren.get(key);
    if (decision === undefined) this.decisionChildren.set(key, (decision = this.decisions.labels(endpoint, labels.rule, labels.result)));
    decision.inc();
    let latency = this.latencyChildren.get(endpoint);
    if (latency === undefined) this.latencyChildren.set(endpoint, (latency = this.latency.labels(endpoint)));
    latency.observe(seconds);
  }

  /** Records a certificate reload attempt. */
  tlsReload(result: 'ok' | 'error'): void {
    this.tlsReloads.inc({ result });
  }

  /** Prometheus text exposition. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
