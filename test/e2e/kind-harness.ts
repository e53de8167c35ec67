/**
 * Drives a kind cluster for the e2e suite with the real tools: `docker`, `kind`, and the
 * kubectl unpacked by test/helpers/k8s-tools.ts. `kindPreflight()` says why the suite cannot run
 * here (no Docker engine, no kind) so the suite skips itself with that reason.
 *
 * Environment: EPC_E2E_CLUSTER (name, default epc-e2e), EPC_E2E_KEEP=1 (keep the cluster after the
 * run), EPC_E2E_REUSE=1 (use an existing cluster of that name), EPC_E2E_SKIP_BUILD=1 (image
 * sgx-epc-enforcer:e2e is already built), KIND (kind binary, default `kind` on PATH).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';
import { ensureK8sTools } from '../helpers/k8s-tools.js';

/** The image the e2e overlay (test/e2e/kustomization.yaml) installs. */
export const E2E_IMAGE = 'sgx-epc-enforcer:e2e';
export const CLUSTER = process.env.EPC_E2E_CLUSTER ?? 'epc-e2e';
export const KIND = process.env.KIND ?? 'kind';
/** kind names the worker container `<cluster>-worker`. */
export const WORKER_NODE = `${CLUSTER}-worker`;

/** Result of one command. */
export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects for a non-zero exit; `input` goes to stdin). */
export function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CmdResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: packageRoot(), env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(err.message) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Why the kind suite cannot run here, or undefined when docker and kind both work. */
export async function kindPreflight(): Promise<string | undefined> {
  const docker = await sh('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (docker.code !== 0) return `\`docker info\` failed (no reachable Docker engine): ${firstLine(docker.stderr || docker.stdout)}`;
  const kind = await sh(KIND, ['version'], { timeoutMs: 20_000 });
  if (kind.code !== 0) return `\`${KIND} version\` failed (kind not installed?): ${firstLine(kind.stderr || kind.stdout)}`;
  return undefined;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** A kind cluster and a kubectl bound to its kubeconfig. */
export class KindCluster {
  private dir = '';
  private kubeconfig = '';
  private kubectlBin = '';
  private created = false;

  /** Creates (or, with EPC_E2E_REUSE=1, reuses) the cluster and writes its kubeconfig. */
  async up(): Promise<void> {
    this.kubectlBin = (await ensureK8sTools()).kubectl;
    this.dir = await mkdtemp(join(tmpdir(), 'epc-kind-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
    const existing = (await sh(KIND, ['get', 'clusters'])).stdout.split('\n').includes(CLUSTER);
    if (!existing || process.env.EPC_E2E_REUSE !== '1') {
      if (existing) await must(KIND, ['delete', 'cluster', '--name', CLUSTER], 300_000);
      await must(KIND, ['create', 'cluster', '--name', CLUSTER, '--config', join(packageRoot(), 'test/e2e/kind-config.yaml'), '--wait', '180s'], 600_000);
      this.created = true;
    }
    await must(KIND, ['export', 'kubeconfig', '--name', CLUSTER, '--kubeconfig', this.kubeconfig], 60_000);
  }

  /** Deletes the cluster it created unless EPC_E2E_KEEP=1; removes the temp dir. */
  async down(): Promise<void> {
    if (this.created && process.env.EPC_E2E_KEEP !== '1') await sh(KIND, ['delete', 'cluster', '--name', CLUSTER], { timeoutMs: 300_000 });
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Builds the image from the repo's Dockerfile (unless EPC_E2E_SKIP_BUILD=1) and loads it into the nodes. */
  async buildAndLoadImage(): Promise<void> {
    if (process.env.EPC_E2E_SKIP_BUILD !== '1') await must('docker', ['build', '-t', E2E_IMAGE, packageRoot()], 1_200_000);
    await must(KIND, ['load', 'docker-image', E2E_IMAGE, '--name', CLUSTER], 600_000);
  }

  /** kubectl against this cluster. */
  kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CmdResult> {
    return sh(this.kubectlBin, ['--kubeconfig', this.kubeconfig, ...args], opts);
  }

  /** kubectl that must succeed; returns stdout. */
  async k(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** `kubectl get -o json` parsed. */
  async getJson(args: string[]): Promise<any> {
    return JSON.parse(await this.k(['get', ...args, '-o', 'json']));
  }

  /** Runs a command inside a kind node container (e.g. systemctl restart kubelet). */
  async nodeExec(node: string, cmd: string[]): Promise<string> {
    const r = await sh('docker', ['exec', node, ...cmd], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`docker exec ${node} ${cmd.join(' ')} failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Prometheus text of a pod's metrics port through the API server's pod proxy. */
  async podMetrics(namespace: string, pod: string, port: number): Promise<string> {
    return this.k(['get', '--raw', `/api/v1/namespaces/${namespace}/pods/${pod}:${port}/proxy/metrics`]);
  }
}

async function must(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  const r = await sh(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}

/** The value of `metric{namespace=ns,pod=pod}` in Prometheus text, or undefined. */
export function metricValue(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const m = line.match(/^[^{\s]+(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const got = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return undefined;
}
