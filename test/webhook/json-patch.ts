/**
 * A small RFC 6902 applier for tests (add/replace/remove/test are enough to check our add-only
 * patches and what the API server does with them). Throws on any path that does not exist.
 */
export interface PatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Returns a patched deep copy of `doc`. */
export function applyJsonPatch<T>(doc: T, ops: PatchOperation[]): T {
  const root = { '': structuredClone(doc) as unknown };
  for (const op of ops) {
    if (!op.path.startsWith('/')) throw new Error(`bad path ${op.path}`);
    const tokens = ['', ...op.path.slice(1).split('/').map(unescape)];
    let parent: any = root;
    for (const t of tokens.slice(0, -1)) {
      if (typeof parent !== 'object' || parent === null || !(t in parent)) throw new Error(`path ${op.path}: ${t} does not exist`);
      parent = parent[t];
    }
    const last = tokens[tokens.length - 1];
    if (typeof parent !== 'object' || parent === null) throw new Error(`path ${op.path}: parent is not a container`);
    if (op.op === 'add') {
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(op.value);
        else {
          const i = Number(last);
          if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`path ${op.path}: bad index`);
          parent.splice(i, 0, op.value);
        }
      } else parent[last] = op.value;
    } else if (op.op === 'replace' || op.op === 'remove') {
      if (!(last in parent)) throw new Error(`path ${op.path}: does not exist`);
      if (op.op === 'replace') parent[last] = op.value;
      else if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else throw new Error(`unsupported op ${op.op}`);
  }
  return root[''] as T;
}

/** Decodes an AdmissionReview response's base64 patch ([] when there is none). */
export function decodePatch(response: { patch?: string }): PatchOperation[] {
  return response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as PatchOperation[]) : [];
}
