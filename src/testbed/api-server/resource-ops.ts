/**
 * The REST verbs of one resource over the store, HTTP-free: create (uid, creationTimestamp,
 * generateName, 409 AlreadyExists), get, list (selectors), update/patch (main resource or
 * /status, resourceVersion preconditions -> 409 Conflict, immutable identity, validation -> 422,
 * no-op writes do not bump the resourceVersion) and delete (immediate or graceful for pods).
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, cause, conflict, invalid, notFound } from './api-status.js';
import type { ObjectStore } from './object-store.js';
import { applyPatch, type PatchContentType } from './patches.js';
import { storeKey, timestamp, type ResourceDef } from './resource-defs.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

/** How DELETE of a scheduled pod behaves: `immediate` removes it; `graceful` sets deletionTimestamp until `finalize`. */
export type PodDeletionMode = 'immediate' | 'graceful';

export interface ListQuery {
  fieldSelector?: string | null;
  labelSelector?: string | null;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Key-order independent JSON of an object without its resourceVersion (for no-op detection). */
function withoutRv(o: any): string {
  const canon = (v: any): any =>
    Array.isArray(v) ? v.map(canon) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }));
}

export class ResourceOps {
  private readonly key: string;

  constructor(
    private readonly store: ObjectStore,
    readonly def: ResourceDef,
    private readonly podDeletion: PodDeletionMode = 'immediate',
  ) {
    this.key = storeKey(def);
  }

  /** A matcher for list/watch from the query's selectors (400 on bad syntax or unknown field). */
  matcher(ns: string | undefined, q: ListQuery): (o: any) => boolean {
    const byField = parseFieldSelector(q.fieldSelector ?? null, this.def.fieldGetters);
    const byLabel = parseLabelSelector(q.labelSelector ?? null);
    return (o) => (ns === undefined || o.metadata?.namespace === ns) && byField(o) && byLabel(o);
  }

  list(ns: string | undefined, q: ListQuery): object {
    const match = this.matcher(ns, q);
    const items = this.store.list(this.key, ns).filter(match).map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return { kind: this.def.listKind, apiVersion: this.def.apiVersion, metadata: { resourceVersion: this.store.currentResourceVersion() }, items };
  }

  get(ns: string | undefined, name: string): any {
    const o = this.store.get(this.key, ns, name);
    if (o === undefined) throw notFound(this.def, name);
    return o;
  }

  create(ns: string | undefined, body: unknown): any {
    const obj = this.checkBody(body);
    obj.metadata = isObject(obj.metadata) ? obj.metadata : {};
    const meta = obj.metadata;
    if (this.def.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns;
    } else delete meta.namespace;
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      meta.name = meta.generateName + suffix;
    }
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) delete meta[f];
    const causes = this.def.validate(obj);
    if (causes.length > 0) throw invalid(this.def.kind, String(meta.name ?? ''), causes);
    if (this.store.get(this.key, meta.namespace, meta.name) !== undefined) throw alreadyExists(this.def, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    this.def.canonicalize?.(obj);
    this.def.defaultOnCreate?.(obj);
    return this.store.put(this.key, { kind: this.def.kind, apiVersion: this.def.apiVersion, ...obj });
  }

  /** PUT of the whole object (or of its status when `subresource` is 'status'). */
  update(ns: string | undefined, name: string, body: unknown, subresource?: string): any {
    const obj = this.checkBody(body);
    if (isObject(obj.metadata) && obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    const old = this.get(ns, name);
    const rv = isObject(obj.metadata) ? obj.metadata.resourceVersion : undefined;
    return this.commit(old, { ...obj, metadata: { ...old.metadata, ...(isObject(obj.metadata) ? obj.metadata : {}), resourceVersion: rv ?? old.metadata.resourceVersion } }, subresource);
  }

  patch(ns: string | undefined, name: string, type: PatchContentType, patchDoc: unknown, subresource?: string): any {
    const old = this.get(ns, name);
    const patched = applyPatch(type, old, patchDoc);
    if (!isObject(patched)) throw badRequest('the patch turned the object into something that is not a JSON object');
    return this.commit(old, patched, subresource);
  }

  /** Removes (or, for scheduled pods in graceful mode, marks deleting) an object; returns it. */
  delete(ns: string | undefined, name: string, options: unknown): any {
    const old = this.get(ns, name);
    const opts = isObject(options) ? options : {};
    const pre = isObject(opts.preconditions) ? opts.preconditions : {};
    if (pre.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw conflict(this.def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(this.def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    const grace = typeof opts.gracePeriodSeconds === 'number' ? opts.gracePeriodSeconds : 30;
    if (this.def.kind === 'Pod' && this.podDeletion === 'graceful' && old.spec?.nodeName && grace > 0) {
      if (old.metadata.deletionTimestamp) return old;
      old.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
      old.metadata.deletionGracePeriodSeconds = grace;
      return this.store.put(this.key, old);
    }
    return this.store.remove(this.key, ns, name);
  }

  /** Ends a graceful deletion (what the kubelet does once the containers are gone). */
  finalize(ns: string | undefined, name: string): any {
    this.get(ns, name);
    return this.store.remove(this.key, ns, name);
  }

  private checkBody(body: unknown): Record<string, any> {
    if (!isObject(body)) throw badRequest(`the request body must be a JSON object describing a ${this.def.kind}`);
    if (body.kind !== undefined && body.kind !== this.def.kind) throw badRequest(`the kind in the request body (${JSON.stringify(body.kind)}) does not match ${this.def.kind}`);
    if (body.apiVersion !== undefined && body.apiVersion !== this.def.apiVersion) {
      throw badRequest(`the apiVersion in the request body (${JSON.stringify(body.apiVersion)}) does not match ${this.def.apiVersion}`);
    }
    return structuredClone(body);
  }

  private commit(old: any, next: Record<string, any>, subresource?: string): any {
    const meta = isObject(next.metadata) ? next.metadata : {};
    const name = old.metadata.name;
    for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
      if (meta[f] !== undefined && meta[f] !== old.metadata[f]) {
        throw invalid(this.def.kind, name, [cause('FieldValueInvalid', `metadata.${f}`, `Invalid value: ${JSON.stringify(meta[f])}: field is immutable`)]);
      }
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(this.def, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    let result: Record<string, any>;
    if (subresource === 'status') result = { ...old, status: next.status };
    else {
      result = { ...next, kind: old.kind, apiVersion: old.apiVersion, metadata: { ...meta, ...pick(old.metadata) } };
      if (this.def.hasStatus) result.status = old.status;
    }
    const causes = this.def.validate(result);
    if (causes.length > 0) throw invalid(this.def.kind, name, causes);
    this.def.canonicalize?.(result);
    if (withoutRv(result) === withoutRv(old)) return old;
    return this.store.put(this.key, result);
  }
}

function pick(meta: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) if (meta[f] !== undefined) out[f] = meta[f];
  return out;
}
