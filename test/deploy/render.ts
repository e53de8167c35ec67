/**
 * Renders the install manifests with the real binaries: `helm template` of the chart and
 * `kubectl kustomize` of the overlays, parsed into plain objects. Shared by every deploy test.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../src/util/package-root.js';
import { ensureK8sTools } from '../helpers/k8s-tools.js';

const run = promisify(execFile);

/** The chart directory and the overlay root. */
export const CHART_DIR = join(packageRoot(), 'charts/sgx-epc-enforcer');
export const DEPLOY_DIR = join(packageRoot(), 'deploy');
/** The release name under which chart and kustomize object names coincide. */
export const RELEASE = 'sgx-epc-enforcer';

/** A rendered Kubernetes object (loosely typed: tests walk it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

/** Result of a command that may fail on purpose (schema rejections). */
export interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

async function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await run(bin, args, { maxBuffer: 32 * 1024 * 1024, timeout: 60_000, cwd: packageRoot(), env: { ...process.env, ...env } });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/**
 * Parses a multi-document YAML stream, dropping empty documents. YAML 1.1 like the API
 * machinery (sigs.k8s.io/yaml): `0440` is octal there. Throws on a YAML error.
 */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    const v = doc.toJS() as K8sObject | null;
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

/** `helm template RELEASE CHART -f values.json`; raw result (ok=false when helm rejects). */
export async function helmTemplateRaw(values: Record<string, unknown> = {}): Promise<RunResult> {
  const { helm } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-helm-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    return await runTool(helm, ['template', RELEASE, CHART_DIR, '-f', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Renders the chart with `values` and returns its objects; throws with helm's message on failure. */
export async function helmTemplate(values: Record<string, unknown> = {}): Promise<K8sObject[]> {
  const r = await helmTemplateRaw(values);
  if (!r.ok) throw new Error(`helm template failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

/** `helm lint --strict` of the chart with optional values. */
export async function helmLint(values: Record<string, unknown> = {}): Promise<RunResult> {
  const { helm } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-helm-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    return await runTool(helm, ['lint', '--strict', CHART_DIR, '-f', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The NOTES.txt text `helm install --dry-run=client` prints (no cluster contacted: KUBECONFIG
 * points nowhere). Throws with helm's message on failure.
 */
export async function helmNotes(values: Record<string, unknown> = {}): Promise<string> {
  const { helm } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-helm-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    const r = await runTool(helm, ['install', RELEASE, CHART_DIR, '--dry-run=client', '-f', file], { KUBECONFIG: join(dir, 'no-kubeconfig'), HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') });
    if (!r.ok) throw new Error(`helm install --dry-run=client failed: ${r.stderr}`);
    const at = r.stdout.indexOf('\nNOTES:\n');
    if (at < 0) throw new Error('helm printed no NOTES');
    return r.stdout.slice(at + 8);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Renders `template` (one template file) in a scratch chart that holds a copy of the chart's
 * `_helpers.tpl`, with `values`: runs the chart's named templates on inputs `helm template`
 * cannot produce (e.g. objects `lookup` returns from a live cluster). Returns helm's raw result.
 */
export async function renderWithChartHelpers(template: string, values: Record<string, unknown> = {}): Promise<RunResult> {
  const { helm } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-helm-helpers-'));
  try {
    await mkdir(join(dir, 'chart/templates'), { recursive: true });
    await writeFile(join(dir, 'chart/Chart.yaml'), 'apiVersion: v2\nname: helpers-probe\nversion: 0.0.1\n');
    await copyFile(join(CHART_DIR, 'templates/_helpers.tpl'), join(dir, 'chart/templates/_helpers.tpl'));
    await writeFile(join(dir, 'chart/templates/probe.yaml'), template);
    await writeFile(join(dir, 'values.json'), JSON.stringify(values));
    return await runTool(helm, ['template', 'probe', join(dir, 'chart'), '-f', join(dir, 'values.json')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `kubectl kustomize deploy/<path>`; throws with kubectl's message on failure. */
export async function kustomize(path: string): Promise<K8sObject[]> {
  const { kubectl } = await ensureK8sTools();
  const r = await runTool(kubectl, ['kustomize', join(DEPLOY_DIR, path)]);
  if (!r.ok) throw new Error(`kubectl kustomize ${path} failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

/**
 * `kubectl kustomize` of a kustomization written to a temp dir that lists deploy/`resources` and
 * deploy/`components` (as a user's own overlay would); throws with kubectl's message on failure.
 */
export async function kustomizeComposed(resources: string[], components: string[]): Promise<K8sObject[]> {
  const { kubectl } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-kustomize-'));
  try {
    // kustomize takes only relative paths to other kustomizations.
    const rel = (p: string) => relative(dir, join(DEPLOY_DIR, p));
    await writeFile(join(dir, 'kustomization.yaml'), JSON.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.map(rel), components: components.map(rel) }));
    const r = await runTool(kubectl, ['kustomize', dir]);
    if (!r.ok) throw new Error(`kubectl kustomize of ${[...resources, ...components].join(' + ')} failed: ${r.stderr}`);
    return parseManifests(r.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The single object of `kind` (and `name` when given); throws naming what is missing. */
export function one(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Every object of `kind`. */
export function all(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}
