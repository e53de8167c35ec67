/**
 * The enforcer's rules over one pod, pure: which containers reach SGX without declaring EPC,
 * which EPC declarations are unusable, and the warnings. No I/O, no config loading; the
 * admission handler turns the result into an AdmissionReview response.
 */
import type { WebhookConfig } from './config.js';
import { createHostPathMatcher, type HostPathMatcher } from './hostpath-match.js';
import { resolveHostPath, type ResolvedHostPath } from './hostpath-resolve.js';
import { EPC_PAGE_BYTES, podEpc } from '../pod/pod-epc.js';
import { annotationAt, arrayAt, containerResource, declaresResource, isObject, objectAt, podContainers, stringAt, type ContainerRef } from '../pod/pod-view.js';
import { formatBytes, parseByteQuantity, parseQuantity } from '../pod/quantity.js';

/** Smallest enclave: SECS + one VA page + one page (epc-model.md: ceil((N+1)/512) + 2 pages, N=1). */
export const MIN_ENCLAVE_BYTES = 3n * EPC_PAGE_BYTES;
/** The pod annotation carrying the effective EPC (written by /mutate, immutable after). */
export const EPC_ANNOTATION = 'sgx.intel.com/epc';

/**
 * The annotation's text for `bytes`: the canonical binary-suffixed quantity, largest of Gi, Mi,
 * Ki that is exact ("512Ki", "10Mi"), as Intel's webhook writes it; Kata Containers sizes a VM's
 * EPC from it and rejects plain bytes. EPC is page-sized, so Ki always fits; an amount that is not
 * a multiple of 1Ki (already warned as not page-sized) stays exact, in plain bytes.
 */
export function epcAnnotationValue(bytes: bigint): string {
  return formatBytes(bytes);
}

/** Does an annotation value denote `bytes`? Compared as quantities: "1Mi", "1024Ki", "1048576" are equal. */
export function annotationDenotes(value: string, bytes: bigint): boolean {
  const q = parseByteQuantity(value);
  return q.ok && q.bytes === bytes;
}
/** Pods with this annotation are mirror pods of static pods: never patched. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** Denial rules (metric label values; part of every denial message). */
export type DenyRule =
  | 'enclave-without-epc'
  | 'hostpath-device'
  | 'hostpath-controller-socket'
  | 'hostpath-enforcement'
  | 'host-pid'
  | 'epc-invalid'
  | 'epc-not-positive'
  | 'epc-requests-limits-mismatch'
  | 'epc-exceeds-max'
  | 'epc-below-min-enclave'
  | 'epc-annotation-changed'
  | 'privileged';

/** Warning rules. */
export type WarnRule = 'epc-not-page-multiple' | 'privileged' | 'host-pid' | 'hostpath-enforcement' | 'epc-without-enclave' | 'enclave-not-one' | 'epc-annotation-mismatch' | 'opt-out-ignored';

export interface Finding<R extends string> {
  rule: R;
  message: string;
}

/** The outcome of the rules for one pod. */
export interface PodReview {
  /** Some container declares EPC/enclave/provision or mounts an SGX device. */
  usesSgx: boolean;
  violations: Finding<DenyRule>[];
  warnings: Finding<WarnRule>[];
  /** The pod's effective EPC when some container declares it and every declaration is usable. */
  epcBytes?: bigint;
  /** `podContainers(pod)` as computed for the review (reused by the mutation). */
  containers?: ContainerRef[];
}

const matcherCache = new WeakMap<readonly string[], HostPathMatcher>();
function matcherOf(paths: readonly string[]): HostPathMatcher {
  let m = matcherCache.get(paths);
  if (!m) matcherCache.set(paths, (m = createHostPathMatcher(paths)));
  return m;
}

/** Records a denial: the message ends with its rule. */
function deny(violations: Finding<DenyRule>[], rule: DenyRule, message: string): void {
  violations.push({ rule, message: `${message} [rule ${rule}]` });
}

const CONTROLLER_DIR_HINT = 'no pod may mount it, whatever it declares: only the agent and controller do, in an excluded namespace';

/** `hostpath-enforcement`: a denial with policy strict, a warning otherwise. */
function enforcementFinding(config: WebhookConfig, violations: Finding<DenyRule>[], warnings: Finding<WarnRule>[], what: string): void {
  if (config.policy === 'strict') deny(violations, 'hostpath-enforcement', `${what}: ${ENFORCEMENT_HINT}`);
  // Short, the policy first: Kubernetes cuts a warning at 256 characters and the path can be long.
  else warnings.push({ rule: 'hostpath-enforcement', message: `denied with policy strict: ${what} reaches the EPC limits (misc.max, device-plugin registration); a root container can lift any limit. Node agents belong in an excluded namespace` });
}

const ENFORCEMENT_HINT = 'no pod may mount it, whatever it declares (it reaches the EPC limits themselves: pod cgroups\' misc.max, or kubelet\'s device-plugin registration): only node agents do, in an excluded namespace';

/**
 * hostPath volumes reaching the controller's socket dir: denied for every pod (CREATE), whether
 * or not a container mounts them yet (an ephemeral container could mount them later). Volumes
 * reaching the enforcement's own host paths (cgroupfs, kubelet's device-plugin dir) follow the
 * policy, like privileged and hostPID (which reach the same and more): denied with policy strict,
 * a warning otherwise, so an install or upgrade does not refuse the cluster's other node agents
 * (GPU device plugins, CSI node plugins, cgroup readers) on their next rollout.
 */
function reviewProtectedVolumes(reach: PodReach, config: WebhookConfig, violations: Finding<DenyRule>[], warnings: Finding<WarnRule>[]): void {
  for (const v of reach.controllerDirs.values()) {
    deny(violations, 'hostpath-controller-socket', `volume "${v.volume}" is ${describeMount(v, false)}, the epc controller's socket dir (control.sock): ${CONTROLLER_DIR_HINT}`);
  }
  for (const v of reach.enforcementPaths.values()) {
    enforcementFinding(config, violations, warnings, `volume "${v.volume}" is ${describeMount(v, false)}`);
  }
}

/**
 * hostPID: /proc/<pid>/root of another container's process is that container's root, with its
 * mounts, for a caller of the same uid whose capabilities include the target's (ptrace read
 * access). The agent and controller run as uid 0 with no capabilities, so any root container
 * with hostPID reaches the agent's read-write /sys/fs/cgroup (every pod's misc.max), kubelet's
 * device-plugin dir and, in the model, control.sock: the same reach as a hostPath /proc. Treated
 * like privileged: denied with policy strict, a warning otherwise.
 */
function reviewHostPid(pod: unknown, usesSgx: boolean, config: WebhookConfig, violations: Finding<DenyRule>[], warnings: Finding<WarnRule>[]): void {
  if (objectAt(pod, 'spec')?.hostPID !== true) return;
  const text = `the pod uses hostPID${usesSgx ? ' and SGX' : ''}: through /proc/<pid>/root a root container reaches the node agent's mounts (every pod cgroup's misc.max, kubelet's device-plugin dir) and the epc controller's control.sock, so it can lift any EPC limit`;
  if (config.policy === 'strict') deny(violations, 'host-pid', `${text}; drop hostPID, or exclude the namespace if it is a node agent`);
  else warnings.push({ rule: 'host-pid', message: `${text} (denied with policy strict)` });
}

function isPrivileged(c: ContainerRef): boolean {
  return isObject(c.spec.securityContext) && c.spec.securityContext.privileged === true;
}

/**
 * A privileged container gets the host's /dev, `/dev/sgx_enclave` included, and can open it
 * outside any EPC limit, whether or not its pod declares SGX: denied with policy strict in every
 * pod (outside the excluded namespaces, which never reach the rules), a warning otherwise.
 */
function reviewPrivileged(privileged: ContainerRef[], usesSgx: boolean, config: WebhookConfig, violations: Finding<DenyRule>[], warnings: Finding<WarnRule>[]): void {
  for (const c of privileged) {
    const text = usesSgx
      ? `${label(c)} is privileged in a pod that uses SGX: it can open every SGX device outside the pod's EPC limit`
      : `${label(c)} is privileged: it gets the host's /dev, /dev/sgx_enclave included, and can run enclaves with no EPC limit`;
    if (config.policy === 'strict') deny(violations, 'privileged', `${text}; drop privileged (mount only the devices it needs), or exclude the namespace if it is a node agent`);
    else warnings.push({ rule: 'privileged', message: `${text} (denied with policy strict)` });
  }
}

/** An enclave count is usable when it is exactly 1 (the device plugin's one slot per container). */
export function isOne(v: unknown): boolean {
  const q = parseQuantity(v);
  return q.ok && q.value.num === q.value.den;
}

/** The enclave values of an EPC container that are not "1" (`"0"`, `"2"`, `"500m"`), in requests then limits. */
export function enclaveNotOne(c: ContainerRef, enclave: string): unknown[] {
  if (!declaresResource(c.spec, enclave)) return [];
  const declared = containerResource(c.spec, enclave);
  const out: unknown[] = [];
  if ('request' in declared && !isOne(declared.request)) out.push(declared.request);
  if ('limit' in declared && !isOne(declared.limit) && !out.includes(declared.limit)) out.push(declared.limit);
  return out;
}

function label(c: ContainerRef): string {
  return c.role === 'app' ? `container "${c.name}"` : `${c.role} container "${c.name}"`;
}

/** A hostPath volume that reaches a listed path. */
interface ReachingVolume {
  volume: string;
  path: string;
  /** The listed path reached. */
  device: string;
  /** What the hostPath resolved to, when it went through a link (`/proc/1/root/dev` -> `/dev`). */
  resolved?: string;
}

const NO_VOLUMES: ReadonlyMap<string, ReachingVolume> = new Map();

/** The pod's hostPath volumes reaching each configured list (volume name -> what it reaches). */
interface PodReach {
  devices: ReadonlyMap<string, ReachingVolume>;
  controllerDirs: ReadonlyMap<string, ReachingVolume>;
  enforcementPaths: ReadonlyMap<string, ReachingVolume>;
}

/**
 * One pass over the pod's volumes, each hostPath matched against the SGX devices, the
 * controller's socket dirs and the enforcement's own paths in turn (resolved through its links
 * at most once, for whichever matcher first needs it).
 */
function podReach(pod: unknown, config: WebhookConfig): PodReach {
  let matchers: Array<HostPathMatcher | undefined> | undefined; // built on the first hostPath: most pods have none
  const found: Array<Map<string, ReachingVolume> | undefined> = [undefined, undefined, undefined]; // allocated on the first hit
  for (const v of arrayAt(objectAt(pod, 'spec'), 'volumes')) {
    const hostPath = objectAt(v, 'hostPath');
    if (hostPath === undefined) continue;
    const path = stringAt(hostPath, 'path');
    const name = stringAt(v, 'name');
    if (name === undefined || path === undefined) continue;
    matchers ??= [config.deviceHostPaths, config.controllerSocketDirs, config.enforcementHostPaths].map((paths) => (paths.length === 0 ? undefined : matcherOf(paths)));
    let resolved: ResolvedHostPath | undefined;
    const resolveOnce = (p: string) => (resolved ??= resolveHostPath(p));
    matchers.forEach((m, i) => {
      const hit = m?.reach(path, resolveOnce);
      if (hit !== undefined) (found[i] ??= new Map()).set(name, { volume: name, path, device: hit.listed, resolved: hit.resolved });
    });
  }
  return { devices: found[0] ?? NO_VOLUMES, controllerDirs: found[1] ?? NO_VOLUMES, enforcementPaths: found[2] ?? NO_VOLUMES };
}

/** The volume of `volumes` a container mounts, if any. */
function reachedDevice(c: ContainerRef, volumes: ReadonlyMap<string, ReachingVolume>): ReachingVolume | undefined {
  if (volumes.size === 0) return undefined;
  for (const m of arrayAt(c.spec, 'volumeMounts')) {
    const name = stringAt(m, 'name');
    const hit = name === undefined ? undefined : volumes.get(name);
    if (hit) return hit;
  }
  return undefined;
}

/** `hostPath P ([volume "v", ][resolves to R, ]reaches D)` */
function describeMount(d: ReachingVolume, withVolume = true): string {
  const volume = withVolume ? `volume "${d.volume}", ` : '';
  const via = d.resolved === undefined ? '' : `resolves to ${d.resolved}, `;
  return `hostPath ${d.path} (${volume}${via}reaches ${d.device})`;
}

/** Rules for a pod being created (also used for the mutated pod in the idempotency check). */
export function reviewPodCreate(pod: unknown, config: WebhookConfig): PodReview {
  const { epc, enclave, provision } = config.resourceNames;
  const reach = podReach(pod, config);
  const devices = reach.devices;
  const violations: Finding<DenyRule>[] = [];
  const warnings: Finding<WarnRule>[] = [];
  const containers = podContainers(pod);
  let usesSgx = false;
  const privileged: ContainerRef[] = [];
  reviewProtectedVolumes(reach, config, violations, warnings);

  for (const c of containers) {
    const declared = containerResource(c.spec, epc);
    const hasEpc = 'request' in declared || 'limit' in declared;
    const device = reachedDevice(c, devices);
    if (hasEpc || declaresResource(c.spec, enclave) || declaresResource(c.spec, provision) || device) usesSgx = true;
    if (!hasEpc) {
      for (const r of [enclave, provision]) {
        if (declaresResource(c.spec, r)) deny(violations, 'enclave-without-epc', `${label(c)} requests ${r} without declaring ${epc}: declare ${epc} (the enclave's size) in its requests and limits; the webhook adds ${enclave} itself`);
      }
      if (device) {
        deny(violations, 'hostpath-device', `${label(c)} mounts ${describeMount(device)} without declaring ${epc}: declare ${epc} on it, or exclude the namespace if it is a node agent (a device plugin, the SGX node setup)`);
      }
    } else {
      const { request, limit } = declared;
      const req = 'request' in declared ? parseByteQuantity(request) : undefined;
      const lim = 'limit' in declared ? parseByteQuantity(limit) : undefined;
      if (req && !req.ok) deny(violations, req.rule, `${label(c)}: ${epc} request ${JSON.stringify(request)} ${req.reason}`);
      if (lim && !lim.ok) deny(violations, lim.rule, `${label(c)}: ${epc} limit ${JSON.stringify(limit)} ${lim.reason}`);
      if (req?.ok && lim?.ok && req.bytes !== lim.bytes) {
        deny(violations, 'epc-requests-limits-mismatch', `${label(c)}: ${epc} request ${formatBytes(req.bytes)} differs from limit ${formatBytes(lim.bytes)}`);
      }
      const notOne = enclaveNotOne(c, enclave);
      if (notOne.length > 0) {
        warnings.push({
          rule: 'enclave-not-one',
          message: `${label(c)} declares ${epc} with ${enclave} ${notOne.map((v) => JSON.stringify(v)).join('/')}: an EPC container takes exactly one enclave device (it routes the container through the device plugin, which binds the pod's EPC limit before start); /mutate sets it to "1"`,
        });
      }
    }
    if (isPrivileged(c)) privileged.push(c);
  }

  const podAmount = podEpc(pod, epc, containers);
  const { amounts } = podAmount;
  let epcBytes: bigint | undefined;
  if (amounts.length > 0 && !podAmount.ok && violations.length === 0) {
    // every container amount was checked above; what is left is the pod's overhead
    deny(violations, podAmount.rule, `${podAmount.field} ${JSON.stringify(podAmount.raw)} ${podAmount.reason}`);
  }
  if (amounts.length > 0 && podAmount.ok && violations.length === 0) {
    epcBytes = podAmount.bytes;
    for (const a of amounts) {
      if (a.ok && a.bytes < MIN_ENCLAVE_BYTES) {
        deny(violations, 'epc-below-min-enclave', `${label(a.container)}: ${epc} ${a.bytes} bytes is below the smallest possible enclave (${MIN_ENCLAVE_BYTES} bytes: SECS + VA page + 1 page): declare ${epc} as the enclave's real size, it is the container's limit`);
      }
    }
    if (config.maxPodEpcBytes !== undefined && epcBytes > config.maxPodEpcBytes) {
      const names = amounts.map((a) => `"${a.container.name}"`).join(', ');
      deny(violations, 'epc-exceeds-max', `pod ${epc} ${formatBytes(epcBytes)} (containers ${names}) exceeds the per-pod maximum ${formatBytes(config.maxPodEpcBytes)}`);
    }
    const odd = amounts.filter((a) => a.ok && a.bytes % EPC_PAGE_BYTES !== 0n);
    if (odd.length > 0 || epcBytes % EPC_PAGE_BYTES !== 0n) {
      const pages = epcBytes / EPC_PAGE_BYTES;
      const which = odd.map((a) => `${label(a.container)} (${a.ok ? a.bytes : 0n} bytes)`).join(', ') || 'pod overhead';
      warnings.push({
        rule: 'epc-not-page-multiple',
        message: `${epc} of ${which} is not a multiple of ${EPC_PAGE_BYTES} bytes: the pod EPC limit ${epcBytes} bytes rounds down to ${pages * EPC_PAGE_BYTES} bytes (${pages} pages)${epcBytes % 1024n === 0n ? '' : `; the ${EPC_ANNOTATION} annotation is then plain bytes, which Kata Containers rejects`}`,
      });
    }
    for (const a of amounts) {
      if (!declaresResource(a.container.spec, enclave)) {
        warnings.push({ rule: 'epc-without-enclave', message: `${label(a.container)} declares ${epc} but not ${enclave}: it is not routed through the device plugin (did the mutating webhook run?)` });
      }
    }
    const annotated = annotationAt(pod, EPC_ANNOTATION);
    if (annotated !== undefined && !annotationDenotes(annotated, epcBytes)) {
      warnings.push({ rule: 'epc-annotation-mismatch', message: `annotation ${EPC_ANNOTATION}=${JSON.stringify(annotated)} differs from the pod's effective EPC ${epcAnnotationValue(epcBytes)} (${epcBytes} bytes)` });
    }
  }

  reviewPrivileged(privileged, usesSgx, config, violations, warnings);
  reviewHostPid(pod, usesSgx, config, violations, warnings);
  return { usesSgx, violations, warnings, epcBytes, containers };
}

/**
 * Rules for a pod UPDATE (the pod itself or its `ephemeralcontainers` subresource): the EPC
 * annotation is immutable, and ephemeral containers added by this update (`kubectl debug`) may
 * reach SGX only in a pod that declares EPC. Other spec rules ran at CREATE; re-running them
 * would block label or finalizer updates of pods created before the webhook.
 */
export function reviewPodUpdate(pod: unknown, oldPod: unknown, config: WebhookConfig): PodReview {
  const violations: Finding<DenyRule>[] = [];
  const before = annotationAt(oldPod, EPC_ANNOTATION);
  const after = annotationAt(pod, EPC_ANNOTATION);
  if (before !== after) {
    const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));
    violations.push({
      rule: 'epc-annotation-changed',
      message: `annotation ${EPC_ANNOTATION} is immutable: changed from ${show(before)} to ${show(after)} [rule epc-annotation-changed]`,
    });
  }
  const added = addedEphemeralContainers(pod, oldPod);
  if (added.length === 0) return { usesSgx: false, violations, warnings: [] };
  const ephemeral = reviewEphemeralContainers(pod, added, config);
  return { usesSgx: ephemeral.usesSgx, violations: [...violations, ...ephemeral.violations], warnings: ephemeral.warnings };
}

/**
 * Ephemeral containers in `pod` that `oldPod` does not have (matched by name: the API server
 * never changes or removes an ephemeral container once added). Without an old pod, all of them.
 */
function addedEphemeralContainers(pod: unknown, oldPod: unknown): ContainerRef[] {
  const existing = new Set<string>();
  for (const c of podContainers(oldPod)) if (c.role === 'ephemeral') existing.add(c.name);
  return podContainers(pod).filter((c) => c.role === 'ephemeral' && !existing.has(c.name));
}

/**
 * Ephemeral containers cannot declare resources, so they never get a device from the plugin;
 * what they can do is mount an existing pod volume (a hostPath reaching an SGX device or the
 * model's enclave socket) or run privileged. Their processes run in the pod's cgroup, so in a
 * pod that declares EPC they are bounded by the pod's EPC limit (and a debug container sharing
 * the target's process namespace reaches its devices through /proc anyway); in a pod that
 * declares none they would use SGX with no limit at all: denied.
 */
function reviewEphemeralContainers(pod: unknown, added: ContainerRef[], config: WebhookConfig): { usesSgx: boolean; violations: Finding<DenyRule>[]; warnings: Finding<WarnRule>[] } {
  const { epc, enclave, provision } = config.resourceNames;
  const violations: Finding<DenyRule>[] = [];
  const warnings: Finding<WarnRule>[] = [];
  const declared = podEpc(pod, epc);
  const podDeclaresEpc = declared.ok && declared.bytes > 0n;
  const noEpc = `in a pod that declares no ${epc} (ephemeral/debug containers may use SGX only in pods whose containers declare EPC)`;
  const { devices, controllerDirs, enforcementPaths } = podReach(pod, config);
  let usesSgx = podDeclaresEpc;
  for (const c of added) {
    const control = reachedDevice(c, controllerDirs);
    if (control) deny(violations, 'hostpath-controller-socket', `${label(c)} mounts ${describeMount(control)}, the epc controller's socket dir (control.sock): ${CONTROLLER_DIR_HINT}`);
    const enforcement = reachedDevice(c, enforcementPaths);
    if (enforcement) enforcementFinding(config, violations, warnings, `${label(c)} mounts ${describeMount(enforcement)}`);
    const device = reachedDevice(c, devices);
    const requested = [enclave, provision].filter((r) => declaresResource(c.spec, r));
    if (device || requested.length > 0) usesSgx = true;
    if (podDeclaresEpc) continue;
    for (const r of requested) deny(violations, 'enclave-without-epc', `${label(c)} requests ${r} ${noEpc}`); // (the API server also rejects resources on ephemeral containers)
    if (device) deny(violations, 'hostpath-device', `${label(c)} mounts ${describeMount(device)} ${noEpc}`);
  }
  reviewPrivileged(added.filter(isPrivileged), usesSgx, config, violations, warnings);
  return { usesSgx, violations, warnings };
}
