/**
 * A defensive view of a v1 Pod as JSON (an AdmissionReview's object, an informer's V1Pod, a
 * test's literal): every accessor tolerates missing or wrongly typed fields (fuzzed or
 * hand-written input), so pod math and the webhook's rules never throw on bad shapes.
 */

/** A JSON object; anything else read through this view counts as absent. */
export type JsonObject = Record<string, unknown>;

/** Where a container sits in the pod spec; `sidecar` = init container with restartPolicy Always. */
export type ContainerRole = 'app' | 'init' | 'sidecar' | 'ephemeral';

/** One container of a pod, with the JSON Pointer of the container object for patches. */
export interface ContainerRef {
  role: ContainerRole;
  name: string;
  /** e.g. `/spec/initContainers/1` */
  pointer: string;
  /** The same place as a field path for messages, e.g. `spec.initContainers[1]`. */
  path: string;
  /** The container object itself (never null). */
  spec: JsonObject;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[key]` when it is an object, else undefined. */
export function objectAt(obj: unknown, key: string): JsonObject | undefined {
  if (!isObject(obj)) return undefined;
  const v = obj[key];
  return isObject(v) ? v : undefined;
}

/** `obj[key]` when it is an array, else an empty array. */
export function arrayAt(obj: unknown, key: string): unknown[] {
  if (!isObject(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}

/** `obj[key]` when it is a string, else undefined. */
export function stringAt(obj: unknown, key: string): string | undefined {
  if (!isObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

/** One annotation's value when it is a string, else undefined (no copy of the map). */
export function annotationAt(pod: unknown, key: string): string | undefined {
  const a = objectAt(objectAt(pod, 'metadata'), 'annotations');
  if (a === undefined || !Object.hasOwn(a, key)) return undefined;
  const v = a[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Every container of the pod in spec order: init containers (sidecars marked), then app
 * containers, then ephemeral containers. Entries that are not objects are skipped.
 */
export function podContainers(pod: unknown): ContainerRef[] {
  const spec = objectAt(pod, 'spec');
  const out: ContainerRef[] = [];
  collect(out, spec, 'initContainers');
  collect(out, spec, 'containers');
  collect(out, spec, 'ephemeralContainers');
  return out;
}

function collect(out: ContainerRef[], spec: JsonObject | undefined, field: 'initContainers' | 'containers' | 'ephemeralContainers'): void {
  const list = arrayAt(spec, field);
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (!isObject(c)) continue;
    const role: ContainerRole = field === 'containers' ? 'app' : field === 'ephemeralContainers' ? 'ephemeral' : c.restartPolicy === 'Always' ? 'sidecar' : 'init';
    out.push({ role, name: stringAt(c, 'name') ?? `#${i}`, pointer: `/spec/${field}/${i}`, path: `spec.${field}[${i}]`, spec: c });
  }
}

/** A resource entry of a container: the request, falling back to the limit (API defaulting). */
export function containerResource(c: JsonObject, resource: string): { request?: unknown; limit?: unknown } {
  const res = objectAt(c, 'resources');
  const requests = objectAt(res, 'requests');
  const limits = objectAt(res, 'limits');
  const out: { request?: unknown; limit?: unknown } = {};
  if (requests && Object.hasOwn(requests, resource)) out.request = requests[resource];
  if (limits && Object.hasOwn(limits, resource)) out.limit = limits[resource];
  return out;
}

/** True when the container names the resource in requests or limits. */
export function declaresResource(c: JsonObject, resource: string): boolean {
  const res = c.resources;
  if (!isObject(res)) return false;
  const { requests, limits } = res;
  return (isObject(requests) && Object.hasOwn(requests, resource)) || (isObject(limits) && Object.hasOwn(limits, resource));
}

/** Escapes one JSON Pointer reference token (RFC 6901): `~` -> `~0`, `/` -> `~1`. */
const escapedTokens = new Map<string, string>();
export function escapePointer(token: string): string {
  if (token.indexOf('~') === -1 && token.indexOf('/') === -1) return token;
  let escaped = escapedTokens.get(token);
  if (escaped === undefined) {
    escaped = token.replace(/~/g, '~0').replace(/\//g, '~1');
    // the tokens that need escaping are resource and annotation names: a handful per config
    if (escapedTokens.size < 64) escapedTokens.set(token, escaped);
  }
  return escaped;
}
