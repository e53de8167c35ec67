/**
 * The mutation, as an add-only JSON Patch (RFC 6902) that is idempotent: applied to its own
 * output it yields no operation. For each container (app, init, sidecar) declaring EPC:
 *   - `enclave: "1"` in requests and limits (routes the pod through the plugin): added when
 *     missing, and a present value other than 1 (`"0"`, `"2"`, `"500m"`) is replaced by "1";
 *   - for the container named by the `sgx.intel.com/quote-provider` annotation: `provision: "1"`;
 *   - when that annotation is `aesmd`: a mount of the aesmd socket dir and `SGX_AESM_ADDR=1`, as
 *     Intel's webhook does (emptyDir when an `aesmd` sidecar container declares EPC next to
 *     another EPC container, else hostPath /var/run/aesmd), skipped when already present;
 * and the pod annotation `sgx.intel.com/epc` = effective EPC as a canonical binary quantity ("10Mi",
 * rewritten when present in any other spelling, e.g. Intel's or plain bytes, so Kata accepts it). Missing parent objects
 * (`resources`, `requests`, `limits`, `env`, `volumes`, `annotations`, `metadata`) are added
 * whole, so every path exists when its operation applies.
 */
import type { WebhookConfig } from './config.js';
import { annotationAt, arrayAt, escapePointer, isObject, objectAt, podContainers, stringAt, type ContainerRef, type JsonObject } from '../pod/pod-view.js';
import { EPC_ANNOTATION, epcAnnotationValue, isOne } from './review-pod.js';
import type { AddOperation } from './json-patch.js';

export type { AddOperation };

export const QUOTE_PROVIDER_ANNOTATION = 'sgx.intel.com/quote-provider';
export const AESMD_QUOTE_PROVIDER = 'aesmd';
export const AESMD_SOCKET_DIR = '/var/run/aesmd';
export const AESMD_VOLUME = 'aesmd-socket';
export const AESMD_ENV = 'SGX_AESM_ADDR';

/** The device requests of one container: `{enclave: "1"}`, plus `{provision: "1"}` when named. */
function deviceEntries(enclave: string, provision: string | undefined): Record<string, string> {
  const entries: Record<string, string> = {};
  entries[enclave] = '1';
  if (provision !== undefined) entries[provision] = '1';
  return entries;
}

/** Adds the device requests to `resources[key]` (requests or limits), creating the map when missing. */
function addDeviceEntries(ops: AddOperation[], resources: JsonObject, key: 'requests' | 'limits', pointer: string, enclave: string, provision: string | undefined): void {
  const existing = resources[key];
  const at = `${pointer}/resources/${key}`;
  if (!isObject(existing)) {
    ops.push({ op: 'add', path: at, value: deviceEntries(enclave, provision) });
    return;
  }
  if (!Object.hasOwn(existing, enclave)) ops.push({ op: 'add', path: `${at}/${escapePointer(enclave)}`, value: '1' });
  if (provision !== undefined && provision !== enclave && !Object.hasOwn(existing, provision)) ops.push({ op: 'add', path: `${at}/${escapePointer(provision)}`, value: '1' });
}

/** Appends `item` to the array at `parent[key]`, creating the array when missing. */
function appendItem(ops: AddOperation[], parent: JsonObject, key: string, pointer: string, item: unknown): void {
  if (Array.isArray(parent[key])) ops.push({ op: 'add', path: `${pointer}/${key}/-`, value: item });
  else ops.push({ op: 'add', path: `${pointer}/${key}`, value: [item] });
}

/** `provision`: the provision resource's name when this container gets it, else undefined. */
function addResources(ops: AddOperation[], c: ContainerRef, enclave: string, provision: string | undefined): void {
  const res = c.spec.resources;
  if (!isObject(res)) {
    ops.push({ op: 'add', path: `${c.pointer}/resources`, value: { requests: deviceEntries(enclave, provision), limits: deviceEntries(enclave, provision) } });
    return;
  }
  addDeviceEntries(ops, res, 'requests', c.pointer, enclave, provision);
  addDeviceEntries(ops, res, 'limits', c.pointer, enclave, provision);
}

/**
 * The patch for a pod that passed review, whose effective EPC is `epcBytes`. Returns [] for a
 * pod that needs nothing (no EPC container, or already mutated). `containers` may be passed
 * when the caller already has `podContainers(pod)`. `deviceRequests` false leaves out the
 * enclave and provision requests (no node offers them: see node-offers.ts).
 */
export function buildPodPatch(pod: unknown, config: WebhookConfig, epcBytes: bigint, containers: ContainerRef[] = podContainers(pod), deviceRequests = true): AddOperation[] {
  const { epc, enclave, provision } = config.resourceNames;
  const ops: AddOperation[] = [];
  const quoteProvider = annotationAt(pod, QUOTE_PROVIDER_ANNOTATION);
  const epcContainers = containers.filter((c) => c.role !== 'ephemeral' && declaresEpc(c, epc));
  if (epcContainers.length === 0) return ops;
  const aesmd = quoteProvider === AESMD_QUOTE_PROVIDER;
  let mountsAesmdVolume = false;

  for (const c of epcContainers) {
    if (deviceRequests) {
      addResources(ops, c, enclave, quoteProvider !== undefined && quoteProvider === c.name ? provision : undefined);
      setEnclaveToOne(ops, c, enclave);
    }
    if (!aesmd) continue;
    const mounts = arrayAt(c.spec, 'volumeMounts');
    if (!mounts.some((m) => stringAt(m, 'mountPath') === AESMD_SOCKET_DIR)) {
      appendItem(ops, c.spec, 'volumeMounts', c.pointer, { name: AESMD_VOLUME, mountPath: AESMD_SOCKET_DIR });
      mountsAesmdVolume = true;
    }
    if (!arrayAt(c.spec, 'env').some((e) => stringAt(e, 'name') === AESMD_ENV)) {
      appendItem(ops, c.spec, 'env', c.pointer, { name: AESMD_ENV, value: '1' });
    }
  }

  const spec = objectAt(pod, 'spec') ?? {};
  const volumes = arrayAt(spec, 'volumes');
  const usesAesmdVolume = aesmd && (mountsAesmdVolume || containers.some((c) => arrayAt(c.spec, 'volumeMounts').some((m) => stringAt(m, 'name') === AESMD_VOLUME)));
  if (usesAesmdVolume && !volumes.some((v) => stringAt(v, 'name') === AESMD_VOLUME)) {
    const sidecar = epcContainers.some((c) => c.name === AESMD_QUOTE_PROVIDER) && epcContainers.length >= 2;
    const volume = sidecar
      ? { name: AESMD_VOLUME, emptyDir: { medium: 'Memory' } }
      : { name: AESMD_VOLUME, hostPath: { path: AESMD_SOCKET_DIR, type: 'DirectoryOrCreate' } };
    appendItem(ops, spec, 'volumes', '/spec', volume);
  }

  const annotation = epcAnnotationValue(epcBytes);
  if (annotationAt(pod, EPC_ANNOTATION) !== annotation) {
    const metadata = objectAt(pod, 'metadata');
    if (!metadata) ops.push({ op: 'add', path: '/metadata', value: { annotations: { [EPC_ANNOTATION]: annotation } } });
    else addEntriesReplacing(ops, metadata, '/metadata', EPC_ANNOTATION, annotation);
  }
  return ops;
}

/** `add` on an existing member replaces it: used for the EPC annotation so it is always exact. */
function addEntriesReplacing(ops: AddOperation[], metadata: JsonObject, pointer: string, key: string, value: string): void {
  if (!isObject(metadata.annotations)) ops.push({ op: 'add', path: `${pointer}/annotations`, value: { [key]: value } });
  else ops.push({ op: 'add', path: `${pointer}/annotations/${escapePointer(key)}`, value });
}

/** `add` replaces an existing member: an enclave count other than 1 becomes "1" (see review-pod's `enclave-not-one`). */
function setEnclaveToOne(ops: AddOperation[], c: ContainerRef, enclave: string): void {
  const res = objectAt(c.spec, 'resources');
  if (res === undefined) return;
  setToOne(ops, c, res, 'requests', enclave);
  setToOne(ops, c, res, 'limits', enclave);
}

function setToOne(ops: AddOperation[], c: ContainerRef, res: JsonObject, key: 'requests' | 'limits', enclave: string): void {
  const map = objectAt(res, key);
  if (map !== undefined && Object.hasOwn(map, enclave) && !isOne(map[enclave])) {
    ops.push({ op: 'add', path: `${c.pointer}/resources/${key}/${escapePointer(enclave)}`, value: '1' });
  }
}

function declaresEpc(c: ContainerRef, epc: string): boolean {
  const res = objectAt(c.spec, 'resources');
  const requests = objectAt(res, 'requests');
  if (requests !== undefined && Object.hasOwn(requests, epc)) return true;
  const limits = objectAt(res, 'limits');
  return limits !== undefined && Object.hasOwn(limits, epc);
}
