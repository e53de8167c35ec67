/**
 * This node's Node object as the agent's publishers (EPC capacity, enforcement state) touch it:
 * read it, patch its status, set a label. Each patch names only the keys its caller owns, so
 * kubelet's and other controllers' fields are left alone.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { KubeHttp } from './kube-http.js';

export class NodePatch {
  /** `/api/v1/nodes/<name>`. */
  readonly path: string;

  constructor(
    private readonly api: KubeHttp,
    readonly nodeName: string,
  ) {
    this.path = `/api/v1/nodes/${encodeURIComponent(nodeName)}`;
  }

  read(): Promise<V1Node> {
    return this.api.request<V1Node>({ path: this.path });
  }

  /** Patches `status` on nodes/status: a merge patch, or a strategic one (conditions merge by type). */
  async patchStatus(status: Record<string, unknown>, kind: 'merge' | 'strategic'): Promise<void> {
    await this.api.request({ method: 'PATCH', path: `${this.path}/status`, body: { status }, contentType: kind === 'merge' ? 'application/merge-patch+json' : 'application/strategic-merge-patch+json' });
  }

  /** Sets label `key` to `value` unless `node` already has it; true when it patched. */
  async ensureLabel(node: V1Node, key: string, value: string): Promise<boolean> {
    if (node.metadata?.labels?.[key] === value) return false;
    await this.api.request({ method: 'PATCH', path: this.path, body: { metadata: { labels: { [key]: value } } }, contentType: 'application/merge-patch+json' });
    return true;
  }
}
