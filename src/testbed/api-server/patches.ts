/**
 * The three patch types a kube-apiserver accepts on PATCH (apply-patch aside): RFC 7386 JSON
 * merge patch, strategic merge patch (maps merged, lists with a known merge key merged by key,
 * `$patch: replace|delete` directives) and RFC 6902 JSON patch. Pure; failures throw ApiError
 * (400 for a malformed patch document, 422 when a valid patch cannot be applied).
 */
import { ApiError, badRequest } from './api-status.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;
export type PatchContentType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

const unprocessable = (message: string): ApiError =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422 });

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): any {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** Merge keys of the v1 list fields we meet (from the Kubernetes API `patchMergeKey` tags). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  env: 'name',
  ports: 'containerPort',
  conditions: 'type',
  addresses: 'type',
  taints: 'key',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  ownerReferences: 'uid',
  imagePullSecrets: 'name',
};

function strategicList(key: string, target: unknown, patch: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[key];
  if (!mergeKey || !Array.isArray(target)) return clone(patch).filter((e) => !(isObject(e) && e.$patch !== undefined));
  const out: Json[] = clone(target);
  for (const item of patch) {
    if (!isObject(item) || !Object.hasOwn(item, mergeKey)) {
      throw badRequest(`strategic merge patch: list ${key} needs the merge key ${JSON.stringify(mergeKey)} in every element`);
    }
    const idx = out.findIndex((e) => isObject(e) && e[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = applyStrategicMergePatch(out[idx], item);
    else out.push(applyStrategicMergePatch(undefined, item));
  }
  return out;
}

/**
 * Strategic merge patch for the fields the double serves: maps (labels, annotations,
 * capacity, allocatable) merge with `null` deleting a key; lists with a known merge key merge
 * by it; other lists are replaced; `$patch: replace` replaces a map, `$patch: delete` removes it.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): any {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive !== undefined && directive !== 'replace' && directive !== 'merge' && directive !== 'delete') {
    throw badRequest(`strategic merge patch: unknown $patch directive ${JSON.stringify(directive)}`);
  }
  if (directive === 'delete') return undefined;
  const base: Record<string, Json> = directive === 'replace' || !isObject(target) ? {} : clone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$retainKeys') || k.startsWith('$setElementOrder')) continue;
    if (k.startsWith('$')) throw badRequest(`strategic merge patch: unsupported directive ${JSON.stringify(k)}`);
    if (v === null) delete base[k];
    else if (Array.isArray(v)) base[k] = strategicList(k, base[k], v);
    else {
      const merged = applyStrategicMergePatch(base[k], v);
      if (merged === undefined) delete base[k];
      else base[k] = merged;
    }
  }
  return base;
}

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(ptr: unknown, field: string, index: number): string[] {
  if (typeof ptr !== 'string' || (ptr !== '' && !ptr.startsWith('/'))) {
    throw badRequest(`json patch: operation ${index}: ${field} must be a JSON pointer starting with "/", got ${JSON.stringify(ptr)}`);
  }
  return ptr === '' ? [] : ptr.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, tokens: string[], ptr: string): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (next === undefined) throw unprocessable(`json patch: path ${JSON.stringify(ptr)} does not exist`);
    cur = next;
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, tokens: string[], ptr: string): Json {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, ptr);
  const v = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (v === undefined) throw unprocessable(`json patch: path ${JSON.stringify(ptr)} does not exist`);
  return v;
}

function removeAt(doc: Json, tokens: string[], ptr: string): Json {
  const { parent, key } = parentOf(doc, tokens, ptr);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw unprocessable(`json patch: path ${JSON.stringify(ptr)} does not exist`);
    return parent.splice(i, 1)[0];
  }
  if (!isObject(parent) || !Object.hasOwn(parent, key)) throw unprocessable(`json patch: path ${JSON.stringify(ptr)} does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: Json, tokens: string[], ptr: string, value: Json): Json {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, ptr);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw unprocessable(`json patch: index in ${JSON.stringify(ptr)} is out of range`);
    parent.splice(i, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw unprocessable(`json patch: parent of ${JSON.stringify(ptr)} is not an object or array`);
  return doc;
}

/** RFC 6902: add, remove, replace, move, copy, test, applied in order to a copy of `target`. */
export function applyJsonPatch(target: unknown, patch: unknown): any {
  if (!Array.isArray(patch)) throw badRequest('json patch: the patch document must be a JSON array of operations');
  let doc = clone(target) as Json;
  patch.forEach((raw: unknown, i) => {
    if (!isObject(raw) || typeof raw.op !== 'string') throw badRequest(`json patch: operation ${i} must be an object with a string "op"`);
    const op = raw as unknown as Operation;
    const path = parsePointer(op.path, 'path', i);
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !Object.hasOwn(raw, 'value')) throw badRequest(`json patch: operation ${i} (${op.op}) is missing "value"`);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, path, op.path, clone(op.value as Json));
        break;
      case 'remove':
        removeAt(doc, path, op.path);
        break;
      case 'replace':
        if (path.length === 0) doc = clone(op.value as Json);
        else {
          removeAt(doc, path, op.path);
          doc = addAt(doc, path, op.path, clone(op.value as Json));
        }
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from, 'from', i);
        const v = op.op === 'move' ? removeAt(doc, from, op.from as string) : clone(getAt(doc, from, op.from as string));
        doc = addAt(doc, path, op.path, v);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, path, op.path)) !== JSON.stringify(op.value)) {
          throw unprocessable(`json patch: test operation ${i} failed at ${JSON.stringify(op.path)}`);
        }
        break;
      default:
        throw badRequest(`json patch: operation ${i}: unknown op ${JSON.stringify(op.op)}`);
    }
  });
  return doc;
}

/** Applies a parsed patch document of the given content type. */
export function applyPatch(type: PatchContentType, target: unknown, patch: unknown): any {
  if (type === PATCH_TYPES.json) return applyJsonPatch(target, patch);
  if (!isObject(patch)) throw badRequest(`${type}: the patch document must be a JSON object`);
  return type === PATCH_TYPES.merge ? applyMergePatch(target, patch) : applyStrategicMergePatch(target, patch);
}
