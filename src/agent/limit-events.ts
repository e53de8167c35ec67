/**
 * A Kubernetes Event (core/v1, type Warning, reason `EpcLimitReached`, involvedObject the pod)
 * the first time a pod's `misc.events` sgx_epc.max count goes above 0: once per pod, not on every
 * poll. A pod adopted after an agent restart that is already above 0 gets none (the previous
 * agent posted it). A failed POST is retried on the next poll.
 */
import type { EpcCgroupStats } from '../backend/epc-backend.js';
import { describeApiError } from '../k8s/describe-api-error.js';
import type { ClusterAccess } from '../k8s/kube-access.js';
import { KubeHttp } from '../k8s/kube-http.js';
import type { Logger } from '../util/logger.js';
import type { PodRecord } from './pod-records.js';

export const LIMIT_EVENT_REASON = 'EpcLimitReached';
const COMPONENT = 'epc-agent';

/** Pure: whether this observation makes the Event due (and updates the record's event state). */
export function limitEventDue(rec: PodRecord, stats: EpcCgroupStats): boolean {
  if (rec.eventDone) return false;
  const prev = rec.lastEvents;
  rec.lastEvents = stats.events;
  if (stats.events <= 0) return false;
  rec.eventDone = true;
  return !(prev === undefined && rec.origin === 'adopted');
}

/** Where Events go; `NullEventSink` for tests without an API. */
export interface EventSink {
  limitReached(rec: PodRecord, stats: EpcCgroupStats): Promise<void>;
}

export class ApiEventSink implements EventSink {
  private readonly api: KubeHttp;
  constructor(private readonly o: { kubeConfig: ClusterAccess; nodeName: string; logger?: Logger }) {
    this.api = new KubeHttp(o.kubeConfig);
  }

  async limitReached(rec: PodRecord, stats: EpcCgroupStats): Promise<void> {
    const now = new Date();
    const limit = stats.max === 'max' ? 'max' : `${stats.max} bytes`;
    try {
      await this.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(rec.namespace)}/events`,
        body: {
          metadata: { name: `${rec.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: rec.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: rec.namespace, name: rec.name, uid: rec.uid },
          reason: LIMIT_EVENT_REASON,
          type: 'Warning',
          message: `pod reached its EPC limit (misc.max ${limit} in ${rec.cgroup}; misc.events sgx_epc.max ${stats.events}): its enclave pages are now reclaimed from its own cgroup, which slows it down`,
          source: { component: COMPONENT, host: this.o.nodeName },
          reportingComponent: COMPONENT,
          reportingInstance: this.o.nodeName,
          firstTimestamp: now.toISOString(),
          lastTimestamp: now.toISOString(),
          count: 1,
        },
      });
      this.o.logger?.info({ pod: `${rec.namespace}/${rec.name}`, events: stats.events }, 'posted EpcLimitReached Event');
    } catch (err) {
      rec.eventDone = false; // retry on the next poll
      this.o.logger?.warn({ pod: `${rec.namespace}/${rec.name}`, error: describeApiError(err).message }, 'posting the EpcLimitReached Event failed; will retry');
    }
  }
}
