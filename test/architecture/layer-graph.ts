/**
 * The layer graph of src/ (checked by layers.test.ts on every run): each folder sits in one layer, an import may only
 * go down to a lower layer (never up, never sideways to a peer folder of the same layer), and
 * product code never imports the test bed (src/testbed: API server double, kubelet emulator,
 * demo). The README's "Project layout" shows the same table. A failure lists the offending
 * arrows, `from -> to (why)`.
 *
 * Imports are read as text (TypeScript 7 ships no compiler API): comments and strings other than
 * module specifiers are skipped by a small scanner, then static `import`/`export ... from` and
 * dynamic `import()` specifiers are collected. Type-only imports count: a type is a dependency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

/** Product layers, lowest first. A folder may import its own files and folders of lower layers. */
export const PRODUCT_LAYERS: readonly (readonly string[])[] = [
  ['epc'], // the pure EPC model, named after the kernel
  ['util'], // logger, package root, metrics/health server, process lifecycle
  ['contracts'], // wire contracts: protos + loader, device plugin API, controller API, cgroup path rules
  ['pod'], // what a pod asks for: quantities, effective EPC request, QoS, cgroup path naming
  ['k8s', 'backend', 'controller', 'deviceplugin', 'simulate', 'workload'], // components' parts
  ['agent', 'webhook', 'doctor'], // the cluster components and the node preflight
  ['cli'], // `epc <command>`: the only place that exits the process
];

/** Test bed layers (src/testbed/<folder>), above every product layer. */
export const TESTBED_LAYERS: readonly (readonly string[])[] = [
  ['testbed/api-server', 'testbed/kubelet'],
  ['testbed/demo'],
];

/**
 * The one arrow from product code into the test bed: `epc demo` loads the demo lazily, inside
 * its action, so no other command loads a test bed module and an image without src/testbed
 * still runs every product command. Only dynamic imports are allowed here.
 */
export const TESTBED_ENTRY: ReadonlyMap<string, string> = new Map([['src/cli/commands/demo.ts', 'testbed/demo']]);

export interface Arrow {
  from: string;
  to: string;
  spec: string;
  dynamic: boolean;
}

export const root = packageRoot();

export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Source text with comments blanked and strings kept (so specifiers survive). Template
 * literals are followed into `${...}` and regex literals are skipped, so a quote or `//` inside
 * either cannot hide the code after it.
 */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let last = ''; // last significant character outside comments, to tell `/re/` from division
  const braces: number[] = []; // brace depth at each open `${`
  let depth = 0;
  const template = (): void => {
    // at the char after an opening backtick or a `}` that closes `${`
    while (i < n) {
      const c = text[i];
      if (c === '\\') {
        out += text.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        out += c;
        i++;
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        out += '${';
        i += 2;
        braces.push(depth);
        depth++;
        return;
      } else {
        out += c;
        i++;
      }
    }
  };
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      last = c;
    } else if (c === '`') {
      out += c;
      i++;
      template();
      last = '`';
    } else if (c === '/' && (last === '' || '(,=:[!&|?{};+-*%<>~^'.includes(last) || /\b(?:return|typeof|case|of|in)\s*$/.test(out))) {
      let j = i + 1;
      let cls = false;
      while (j < n && text[j] !== '\n' && (cls || text[j] !== '/')) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') cls = true;
        else if (text[j] === ']') cls = false;
        j++;
      }
      out += ' ';
      i = j + 1;
      last = ')';
    } else if (c === '{') {
      depth++;
      out += c;
      i++;
      last = c;
    } else if (c === '}') {
      depth--;
      out += c;
      i++;
      if (braces.length > 0 && braces[braces.length - 1] === depth) {
        braces.pop();
        template();
        last = '`';
      } else last = c;
    } else {
      out += c;
      i++;
      if (!/\s/.test(c)) last = c;
    }
  }
  return out;
}

const STATIC = /(?:^|[;\s}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** Module specifiers of one file, each marked static or dynamic. */
export function specifiers(text: string): { spec: string; dynamic: boolean }[] {
  const code = stripComments(text);
  const out: { spec: string; dynamic: boolean }[] = [];
  for (const m of code.matchAll(STATIC)) out.push({ spec: m[2], dynamic: false });
  for (const m of code.matchAll(DYNAMIC)) out.push({ spec: m[2], dynamic: true });
  return out;
}

/** The layer folder of a repo-relative src path: `src/agent/x.ts` -> `agent`, `src/testbed/demo/x.ts` -> `testbed/demo`. */
export function folderOf(path: string): string {
  const parts = path.split('/');
  return parts[1] === 'testbed' ? `testbed/${parts[2]}` : parts[1];
}

function rankIn(layers: readonly (readonly string[])[], folder: string): number {
  return layers.findIndex((l) => l.includes(folder));
}

/** Why an arrow breaks the layering, or undefined when it is allowed. */
export function violation(a: Arrow): string | undefined {
  if (a.to.startsWith('test/')) return 'src imports test code';
  if (!a.to.startsWith('src/')) return undefined;
  const f = folderOf(a.from);
  const t = folderOf(a.to);
  if (f === t) return undefined;
  const fromTestbed = f.startsWith('testbed/');
  const toTestbed = t.startsWith('testbed/');
  if (!fromTestbed && toTestbed) {
    if (TESTBED_ENTRY.get(a.from) === t && a.dynamic) return undefined;
    return `product code (${f}) imports the test bed (${t})`;
  }
  if (fromTestbed && !toTestbed) return undefined; // the test bed drives the product
  const layers = fromTestbed ? TESTBED_LAYERS : PRODUCT_LAYERS;
  const rf = rankIn(layers, f);
  const rt = rankIn(layers, t);
  if (rf === -1) return `${f} is in no layer (add it to the layer table)`;
  if (rt === -1) return `${t} is in no layer (add it to the layer table)`;
  if (rt > rf) return `upward: ${f} (layer ${rf}) imports ${t} (layer ${rt})`;
  if (rt === rf) return `sideways: ${f} and ${t} are peers in layer ${rf}`;
  return undefined;
}

/** Every relative import arrow of src/, resolved to repo-relative .ts paths. */
export function srcArrows(): Arrow[] {
  const arrows: Arrow[] = [];
  for (const file of tsFiles(join(root, 'src'))) {
    const from = relative(root, file);
    for (const { spec, dynamic } of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      arrows.push({ from, to, spec, dynamic });
    }
  }
  return arrows;
}

/** Bare package names imported by product code (src/ outside the test bed). */
export function productPackages(): Set<string> {
  const out = new Set<string>();
  for (const file of tsFiles(join(root, 'src'))) {
    if (relative(root, file).startsWith('src/testbed/')) continue;
    for (const { spec } of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      out.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return out;
}

