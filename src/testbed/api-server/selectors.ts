/**
 * Field and label selectors as the API server parses them for list/watch
 * (apimachinery `fields.ParseSelector`, `labels.Parse`): a subset covering `=`, `==`, `!=`,
 * set-based `in` / `notin` and existence (`key`, `!key`). Bad syntax throws a 400 ApiError.
 */
import { badRequest } from './api-status.js';

/** True when the object matches. */
export type Matcher = (obj: unknown) => boolean;

/** Field paths a selector may name, per resource, and how to read them from an object. */
export type FieldGetters = Readonly<Record<string, (obj: any) => string | undefined>>;

interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim());
}

function parseEquality(term: string): Requirement | undefined {
  const m = /^([^!=\s]+)\s*(==|=|!=)\s*([^=!]*)$/.exec(term);
  if (!m) return undefined;
  return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3].trim()] };
}

/** Parses `fieldSelector`; unknown fields are rejected like the real server does. */
export function parseFieldSelector(text: string | null, getters: FieldGetters): Matcher {
  if (!text) return () => true;
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const r = parseEquality(term);
    if (!r) throw badRequest(`invalid field selector ${JSON.stringify(text)}: invalid selector: '${term}'; can't understand '${term}'`);
    if (!Object.hasOwn(getters, r.key)) throw badRequest(`field label not supported: ${r.key}`);
    reqs.push(r);
  }
  return (obj) =>
    reqs.every((r) => {
      const v = getters[r.key](obj) ?? '';
      return r.op === '=' ? v === r.values[0] : v !== r.values[0];
    });
}

function checkLabel(key: string, values: string[], text: string): void {
  if (!LABEL_KEY_RE.test(key)) throw badRequest(`unable to parse requirement: invalid label key ${JSON.stringify(key)} in selector ${JSON.stringify(text)}`);
  for (const v of values) {
    if (v.length > 63 || !LABEL_VALUE_RE.test(v)) {
      throw badRequest(`unable to parse requirement: invalid label value ${JSON.stringify(v)} for key ${JSON.stringify(key)} in selector ${JSON.stringify(text)}`);
    }
  }
}

/** Parses `labelSelector` (equality-based and set-based requirements). */
export function parseLabelSelector(text: string | null): Matcher {
  if (!text) return () => true;
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    let r: Requirement | undefined;
    if (set) r = { key: set[1], op: set[2] as 'in' | 'notin', values: set[3].split(',').map((v) => v.trim()) };
    else if (/^!\s*[^\s=!]+$/.test(term)) r = { key: term.slice(1).trim(), op: '!exists', values: [] };
    else if (/^[^\s=!(),]+$/.test(term)) r = { key: term, op: 'exists', values: [] };
    else r = parseEquality(term);
    if (!r) throw badRequest(`unable to parse requirement: invalid label selector ${JSON.stringify(text)} at ${JSON.stringify(term)}`);
    checkLabel(r.key, r.values, text);
    reqs.push(r);
  }
  return (obj) => {
    const labels: Record<string, string> = (obj as any)?.metadata?.labels ?? {};
    return reqs.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case '=':
          return has && v === r.values[0];
        case '!=':
          return !has || v !== r.values[0];
        case 'in':
          return has && r.values.includes(v);
        case 'notin':
          return !has || !r.values.includes(v);
        case 'exists':
          return has;
        case '!exists':
          return !has;
      }
    });
  };
}
