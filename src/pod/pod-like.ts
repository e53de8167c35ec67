/**
 * The part of a v1 Pod that pod math reads. Structural, so `V1Pod` from client-node, the kubelet
 * emulator's pods and plain JSON all fit. Quantities are strings (or JSON numbers).
 */

/** `requests` / `limits`: resource name -> quantity. */
export type ResourceListLike = Readonly<Record<string, string | number | undefined>>;

export interface ResourceRequirementsLike {
  requests?: ResourceListLike;
  limits?: ResourceListLike;
}

export interface ContainerLike {
  name?: string;
  /** `Always` on an init container makes it a restartable (sidecar) init container. */
  restartPolicy?: string;
  resources?: ResourceRequirementsLike;
}

export interface PodLike {
  metadata?: { uid?: string; name?: string; namespace?: string };
  spec?: {
    nodeName?: string;
    containers?: readonly ContainerLike[];
    initContainers?: readonly ContainerLike[];
    overhead?: ResourceListLike;
    /** Pod-level resources (KEP-2837); only cpu and memory matter for QoS. */
    resources?: ResourceRequirementsLike;
  };
  status?: { qosClass?: string; phase?: string };
}

/**
 * A container's requests after API defaulting: a resource with a limit but no request gets the
 * limit as its request (pkg/apis/core/v1/defaults.go SetDefaults_Pod). Returns a new object.
 */
export function effectiveRequests(resources: ResourceRequirementsLike | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(resources?.limits ?? {})) if (v !== undefined) out[k] = v;
  for (const [k, v] of Object.entries(resources?.requests ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
