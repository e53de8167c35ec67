/**
 * Publishes what the node enforces on its Node, node-problem-detector style:
 * - condition `SgxEpcEnforced` in `status.conditions` (status True/False, reason, message,
 *   lastHeartbeatTime each publish, lastTransitionTime only when the status changes), written
 *   with a strategic merge patch on nodes/status, so kubelet's own conditions are untouched;
 * - label `sgx-epc-enforcer.io/epc-enforced=true|false` (merge patch on nodes), for node
 *   affinity of pods that require enforcement.
 *
 * The state is re-checked every `checkIntervalMs` (local, no API call); the Node is read and
 * patched when it changed, on a heartbeat every `heartbeatMs` (which also repairs a removed
 * label or condition), and after a failed round. API errors are logged and retried, never thrown.
 *
 * RBAC this file needs, exactly: nodes get (read the Node), nodes patch (label), nodes/status
 * patch (condition). The agent as a whole adds pods get/list/watch (informer), events create
 * (EpcLimitReached) and, with --advertise, the same nodes/status patch for EPC capacity.
 */
import type { Logger } from '../util/logger.js';
import { apiErrorLine } from './describe-api-error.js';
import type { ClusterAccess } from './kube-access.js';
import { KubeHttp } from './kube-http.js';
import { NodePatch } from './node-patch.js';
import { SerialRounds } from './serial-rounds.js';

/** What is published: from `nodeEnforcement()` (src/agent/node-enforcement.ts). */
export interface EnforcementState {
  enforced: boolean;
  reason: string;
  message: string;
}

export interface NodeEnforcementPublisherOptions {
  kubeConfig: ClusterAccess;
  nodeName: string;
  /** Condition type and label key (src/agent/node-enforcement.ts has the names). */
  conditionType: string;
  label: string;
  /** The node's state now; called every check. */
  state: () => Promise<EnforcementState>;
  /** Local re-check period. Default 5 s. */
  checkIntervalMs?: number;
  /** Publish at least this often (lastHeartbeatTime). Default 60 s. */
  heartbeatMs?: number;
  /** Clock (tests). */
  now?: () => Date;
  logger?: Logger;
}

/** What one round did. */
export interface PublishResult {
  outcome: 'unchanged' | 'patched' | 'error';
  /** The condition's status changed (lastTransitionTime set to now). */
  transitioned?: boolean;
  error?: string;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const same = (a: EnforcementState | undefined, b: EnforcementState) => !!a && a.enforced === b.enforced && a.reason === b.reason && a.message === b.message;

/** Start/stop are idempotent (stop is safe before start); stopping leaves condition and label in place. */
export class NodeEnforcementPublisher {
  private readonly node: NodePatch;
  private readonly rounds: SerialRounds<PublishResult>;
  /** What the Node shows (after the last successful publish) and when it was published. */
  private published: EnforcementState | undefined;
  private publishedAt = 0;
  private lastWarned: string | undefined;

  constructor(private readonly o: NodeEnforcementPublisherOptions) {
    this.node = new NodePatch(new KubeHttp(o.kubeConfig), o.nodeName);
    this.rounds = new SerialRounds(() => this.reconcile(false), () => this.o.checkIntervalMs ?? 5000);
  }

  start(): void {
    this.rounds.start();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round now (serialised with the loop's); publishes if the state changed or the heartbeat is due. Never throws. */
  reconcileNow(opts: { force?: boolean } = {}): Promise<PublishResult> {
    return this.rounds.run(() => this.reconcile(opts.force ?? false));
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private async reconcile(force: boolean): Promise<PublishResult> {
    try {
      const state = await this.o.state();
      const now = this.now();
      const heartbeatDue = now.getTime() - this.publishedAt >= (this.o.heartbeatMs ?? 60_000);
      if (!force && !heartbeatDue && same(this.published, state)) return { outcome: 'unchanged' };
      const node = await this.node.read();
      const status = state.enforced ? 'True' : 'False';
      const existing = node.status?.conditions?.find((c) => c.type === this.o.conditionType);
      const transitioned = existing?.status !== status;
      // Kept as the API server had it (normalised to RFC 3339 seconds).
      const prevTransition = existing?.lastTransitionTime ? rfc3339(new Date(existing.lastTransitionTime)) : undefined;
      const condition = {
        type: this.o.conditionType, status, reason: state.reason, message: state.message,
        lastHeartbeatTime: rfc3339(now), lastTransitionTime: transitioned || !prevTransition ? rfc3339(now) : prevTransition,
      };
      await this.node.patchStatus({ conditions: [condition] }, 'strategic');
      const labelValue = String(state.enforced);
      await this.node.ensureLabel(node, this.o.label, labelValue);
      if (!same(this.published, state)) this.o.logger?.info({ node: this.o.nodeName, condition: this.o.conditionType, status, reason: state.reason, label: `${this.o.label}=${labelValue}` }, 'published the node\'s EPC enforcement state');
      this.published = state;
      this.publishedAt = now.getTime();
      this.lastWarned = undefined;
      return { outcome: 'patched', transitioned };
    } catch (err) {
      const error = apiErrorLine(err);
      this.o.logger?.[error === this.lastWarned ? 'debug' : 'warn']({ node: this.o.nodeName, error }, 'publishing the EPC enforcement condition on the Node failed; will retry');
      this.lastWarned = error;
      this.published = undefined; // retried on the next check
      return { outcome: 'error', error };
    }
  }
}
