import type { DemoTenant } from './demo-scenario.js';

/** Container name of every demo tenant pod. */
export const TENANT_CONTAINER = 'enclave-app';

/**
 * The Pod a tenant submits, as a user would write it (AKS confidential computing style): one
 * container requesting and limited to `sgx.intel.com/epc`, no enclave slot (the webhook adds
 * `sgx.intel.com/enclave: 1`), scheduled on the demo node.
 */
export function tenantPod(t: DemoTenant, opts: { nodeName: string; run: string }): Record<string, any> {
  const epc = String(t.requestBytes);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: t.pod, namespace: t.namespace, labels: { app: t.pod, 'epc-demo/run': opts.run, 'epc-demo/role': t.role } },
    spec: {
      nodeName: opts.nodeName,
      restartPolicy: 'Never',
      containers: [{
        name: TENANT_CONTAINER,
        image: 'sgx-epc-enforcer/epc-workload:demo',
        command: ['epc', 'workload'],
        resources: { requests: { cpu: '100m', memory: '64Mi', 'sgx.intel.com/epc': epc }, limits: { cpu: '100m', memory: '64Mi', 'sgx.intel.com/epc': epc } },
      }],
    },
  };
}
