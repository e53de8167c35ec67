/**
 * What the README test does with each command of README.md, keyed by the command exactly as the
 * README writes it (after joining `\` lines and dropping comments):
 * - RUN: run as written (through bash, see shell.ts) and check exit code and key output;
 * - RENDER: cluster installs rewritten to their offline render (`kubectl apply -k` ->
 *   `kubectl kustomize`, `helm install` -> `helm template`, same arguments) and checked;
 * - TRY_*: the "Try the model by hand" session, run in order against one `epc controller`;
 * - NOT_RUNNABLE: cannot run in a test, with the reason; some get a static check instead.
 * A README command in none of these fails the test, and so does an entry the README lost.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EPC_ENFORCED_CONDITION, EPC_ENFORCED_LABEL } from '../../src/agent/node-enforcement.js';
import { SGX_CAPABLE_LABEL } from '../../src/k8s/node-advertiser.js';
import { ENCLAVE_RESOURCE, EPC_RESOURCE } from '../../src/pod/index.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { reviewPodCreate } from '../../src/webhook/review-pod.js';
import { loadScenarioFile } from '../../src/testbed/demo/load-scenario.js';
import { packageRoot } from '../../src/util/package-root.js';
import { all, kustomize, one, parseManifests, type K8sObject } from '../deploy/render.js';
import { fencedBlocks, section, shellCommands } from './markdown.js';
import { runNodeCleanup } from './node-cleanup.js';
import type { ShellResult } from './shell.js';

/** Exit 0, or fail showing what the command printed. */
export function expectOk(r: ShellResult): void {
  expect({ command: r.command, code: r.code, stderr: r.code === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ command: r.command, code: 0, stderr: '' });
}

function agent(objs: K8sObject[]): { args: string[]; containers: string[] } {
  const spec = one(objs, 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec;
  return { args: spec.containers[0].args as string[], containers: (spec.containers as Array<{ name: string }>).map((c) => c.name) };
}

function kinds(objs: K8sObject[]): Set<string> {
  return new Set(objs.map((o) => o.kind));
}

/** What every full install renders. */
function expectInstall(objs: K8sObject[]): void {
  for (const kind of ['Namespace', 'DaemonSet', 'Deployment', 'Service', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) expect(kinds(objs)).toContain(kind);
  expect(agent(objs).args[0]).toBe('agent');
}

/** Offline renders of the install commands, with checks by README command (others get expectInstall only). */
export const RENDER = [
  { pattern: /^kubectl apply -k (deploy\/overlays\/[\w-]+)$/, as: (m: RegExpMatchArray) => `kubectl kustomize ${m[1]}`, why: 'kubectl apply needs an API server; kubectl kustomize renders the objects it would apply' },
  { pattern: /^helm install (\S+) (charts\/sgx-epc-enforcer)((?: --set \S+)*)$/, as: (m: RegExpMatchArray) => `helm template ${m[1]} ${m[2]}${m[3]}`, why: 'helm install needs a cluster; helm template renders the same release with the same values' },
  { pattern: /^helm upgrade (\S+) (charts\/sgx-epc-enforcer)((?: --set \S+)*)$/, as: (m: RegExpMatchArray) => `helm template ${m[1]} ${m[2]}${m[3]}`, why: 'helm upgrade needs a cluster; helm template renders the release it upgrades to' },
];

export const RENDER_CHECKS: Record<string, (objs: K8sObject[]) => void> = {
  'kubectl apply -k deploy/overlays/model': (o) => {
    expect(agent(o).args).toContain('--epc-backend=model');
    expect(agent(o).containers).toContain('controller');
  },
  'kubectl apply -k deploy/overlays/hardware': (o) => expect(agent(o).args).toContain('--epc-backend=cgroupfs'),
  'kubectl apply -k deploy/overlays/aks': (o) => expect(agent(o).args).toContain('--advertise=false'),
  'kubectl apply -k deploy/overlays/cert-manager': (o) => expect(kinds(o)).toContain('Certificate'),
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer': (o) => expect(agent(o).args).toContain('--epc-backend=cgroupfs'),
  "helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set webhook.extraExcludedNamespaces='{prometheus,longhorn-system}'": (o) => {
    const cm = one(o, 'ConfigMap', 'sgx-epc-enforcer-webhook');
    expect(cm.data['webhook.yaml']).toMatch(/excludedNamespaces:\n(\s+- [\w-]+\n)*\s+- monitoring\n\s+- prometheus\n\s+- longhorn-system\n/);
  },
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set mode=model': (o) => expect(agent(o).containers).toContain('controller'),
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set mode=enforce-only --set aks.enabled=true': (o) => expect(agent(o).args).toContain('--advertise=false'),
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set agent.enforce=true': (o) => expect(agent(o).args).toContain('--enforce=true'),
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set certs.mode=cert-manager': (o) => expect(kinds(o)).toContain('Certificate'),
  'helm install sgx-epc-enforcer charts/sgx-epc-enforcer --set mode=model --set monitoring.serviceMonitor.enabled=true --set monitoring.prometheusRule.enabled=true --set monitoring.grafanaDashboard.enabled=true': (o) => {
    expect(kinds(o)).toContain('PrometheusRule');
    expect(all(o, 'ServiceMonitor').map((m) => m.metadata.name).sort()).toEqual(['sgx-epc-enforcer-agent', 'sgx-epc-enforcer-webhook']);
    expect(all(o, 'ServiceMonitor').every((m) => m.spec.endpoints.every((e: { honorLabels?: boolean }) => e.honorLabels === true))).toBe(true);
    expect(all(o, 'ConfigMap').some((c) => Object.keys(c.data ?? {}).some((k) => k.endsWith('.json')))).toBe(true);
  },
};

/** Checks a rendered install command's output. */
export function checkRender(readmeCommand: string, r: ShellResult): void {
  expectOk(r);
  const objs = parseManifests(r.stdout);
  expectInstall(objs);
  RENDER_CHECKS[readmeCommand]?.(objs);
}

/** A run-as-written command: its check, and where to run it (default: the package root). */
export interface RunPlan {
  check: (r: ShellResult) => void | Promise<void>;
  /** 'scenario': a temp dir holding the README's example scenario as two-pods.yaml. */
  cwd?: 'scenario';
}

/** The columns of a cgroup row of `epc simulate`'s table: [path, max..., current, peak, events, events.local, evicted, reloaded]. */
export function cgroupRow(table: string, path: string): { evicted: number; reloaded: number } {
  const line = table.split('\n').find((l) => l.trim().split(/\s+/)[0] === path);
  if (!line) throw new Error(`no row for ${path} in:\n${table}`);
  const cols = line.trim().split(/\s+/);
  return { evicted: Number(cols.at(-2)), reloaded: Number(cols.at(-1)) };
}

export const RUN: Record<string, RunPlan> = {
  'npx epc simulate test/scenarios/examples/noisy-neighbour.yaml': {
    check: (r) => {
      expectOk(r);
      expect(r.stdout).toContain('EPC 4096 pages (16 MiB)');
      expect(cgroupRow(r.stdout, '/kubepods/pod-a')).toEqual({ evicted: 0, reloaded: 0 });
      expect(cgroupRow(r.stdout, '/kubepods/pod-b').evicted).toBeGreaterThan(0);
    },
  },
  'npx epc simulate test/scenarios/examples/no-limits.yaml': {
    check: (r) => {
      expectOk(r);
      // The README's claim: without limits, global reclaim takes pages from both tenants.
      expect(cgroupRow(r.stdout, '/kubepods/pod-a').evicted).toBeGreaterThan(0);
      expect(cgroupRow(r.stdout, '/kubepods/pod-b').evicted).toBeGreaterThan(0);
    },
  },
  'npx epc simulate test/scenarios/examples/noisy-neighbour.yaml --json': {
    check: (r) => {
      expectOk(r);
      const rep = JSON.parse(r.stdout);
      expect(rep.cgroups['/kubepods/pod-a']).toMatchObject({ evicted: 0, reloaded: 0, events: 0 });
      expect(rep.cgroups['/kubepods/pod-b'].evicted).toBeGreaterThan(0);
      expect(rep.epc.capacity).toBe(4096);
    },
  },
  // Checked against the README's JSON block by the test (cwd: the README's scenario as a file).
  'npx epc simulate two-pods.yaml --json': { cwd: 'scenario', check: (r) => expectOk(r) },
  // Runs on this machine's root: whatever it finds, a report naming the --enforce auto outcome and a documented exit code.
  'npx epc doctor': {
    check: (r) => {
      expect(r.stdout).toMatch(/^epc doctor \(node root \/\)/);
      expect(r.stdout).toMatch(/--enforce auto would (ENFORCE|run OBSERVE-ONLY) here/);
      expect(r.stdout).toMatch(new RegExp(`\\(exit ${r.code}\\)\\n$`));
      expect([0, 1, 3]).toContain(r.code);
    },
  },
  'helm show values charts/sgx-epc-enforcer': {
    check: async (r) => {
      expectOk(r);
      expect(r.stdout.trim()).toBe((await readFile(join(packageRoot(), 'charts/sgx-epc-enforcer/values.yaml'), 'utf8')).trim());
    },
  },
};

/** The "Try the model by hand" session: the controller (first terminal), then these in order. */
export const TRY_CONTROLLER = 'npx epc controller --socket-dir /tmp/epc-try --capacity 64Mi --metrics-addr 127.0.0.1:9103';
export const TRY_DIR = '/tmp/epc-try';

const json = (r: ShellResult) => {
  expectOk(r);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

export const TRY_STEPS: Record<string, (r: ShellResult) => void> = {
  [`curl -s --unix-socket /tmp/epc-try/control.sock -X POST http://epc/v1/mkdir -H 'content-type: application/json' -d '{"path":"/pod-a"}'`]: (r) =>
    expect(json(r)).toEqual({ path: '/pod-a', created: true }),
  [`curl -s --unix-socket /tmp/epc-try/control.sock -X POST http://epc/v1/file -H 'content-type: application/json' -d '{"path":"/pod-a","file":"misc.max","value":"sgx_epc 16777216"}'`]: (r) =>
    expect(json(r)).toEqual({ path: '/pod-a', file: 'misc.max' }),
  [`curl -s --unix-socket /tmp/epc-try/control.sock -X POST http://epc/v1/bind -H 'content-type: application/json' -d '{"slot":"enclave-0","path":"/pod-a"}'`]: (r) =>
    expect(json(r)).toEqual({ slot: 'enclave-0', path: '/pod-a' }),
  'npx epc workload --socket /tmp/epc-try/slots/enclave-0/enclave.sock --enclave-size 24Mi --working-set 20Mi --duration 2s': (r) => {
    expectOk(r);
    expect(r.stdout).toContain('in slot enclave-0 (cgroup /pod-a)');
    expect(r.stdout).toMatch(/wall latency per call: p50 [\d.]+ µs, p99 [\d.]+ µs/);
    // A 20 MiB working set under a 16 MiB limit must page.
    expect(Number(/evictions: (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
  },
  [`curl -s --unix-socket /tmp/epc-try/control.sock 'http://epc/v1/file?path=/pod-a&file=misc.events'`]: (r) =>
    expect(String(json(r).value)).toMatch(/^sgx_epc\.max [1-9]\d*\n$/),
  [`curl -s --unix-socket /tmp/epc-try/control.sock 'http://epc/v1/stats?path=/pod-a'`]: (r) => {
    const s = json(r) as { max: number; peak: number; evicted: number };
    expect(s.max).toBe(16777216);
    expect(s.peak).toBeLessThanOrEqual(16777216);
    expect(s.evicted).toBeGreaterThan(0);
  },
  [`curl -s http://127.0.0.1:9103/metrics | grep 'pod-a'`]: (r) => {
    expectOk(r);
    expect(r.stdout).toContain('epc_cgroup_max_bytes{cgroup="/pod-a"} 16777216');
  },
};

/** Cannot run in a test: the reason, and a static check where one is possible. */
const UPGRADE_LISTING = 'kubectl get pods -A -o json | jq -r \'.items[] | select(any(.spec.volumes[]?; .hostPath.path? // "" | test("^/(sys(/fs(/cgroup.*)?)?|var/lib(/kubelet(/device-plugins.*)?)?)/?$"))) | .metadata.namespace\' | sort -u';

export interface NotRunnable {
  reason: string;
  check?: () => Promise<void>;
}

const CLUSTER = 'needs a Kubernetes cluster (no kube-apiserver can run here: /work/shared/docs/tooling.md)';
const DEMO = 'the demo runs about a minute; test/testbed/demo/demo-cli.test.ts runs it as a child process (short mode) and checks its JSON and HTML report';

const renders = new Map<string, Promise<K8sObject[]>>();

/** `kubectl kustomize deploy/overlays/<overlay>`, once per overlay. */
function rendered(overlay: string): Promise<K8sObject[]> {
  let r = renders.get(overlay);
  if (!r) renders.set(overlay, (r = kustomize(`overlays/${overlay}`)));
  return r;
}

/** The object, and for containers the (init) container, a cluster command names exist in the install. */
async function expectNamed(ns: string | undefined, kind: string, name: string, container?: string): Promise<void> {
  const obj = one(await rendered('hardware'), kind, name);
  expect(obj.metadata.namespace).toBe(ns);
  if (container === undefined) return;
  const spec = obj.spec.template.spec;
  expect([...(spec.initContainers ?? []), ...spec.containers].map((c: { name: string }) => c.name)).toContain(container);
}

async function expectScript(name: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts[name]).toBeTruthy();
}

/** The Node commands of README "Uninstall", in order (a Node-cleanup loop or label removal). */
const README_TEXT = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
const NODE_CLEANUP = fencedBlocks(section(README_TEXT, '### Uninstall'))
  .flatMap((b) => shellCommands(b.body))
  .filter((c) => /kubectl (patch|label) .*nodes?\b|kubectl get nodes/.test(c));

/** A Node as the agent leaves it in hardware mode: condition, label, EPC capacity and capable label, next to kubelet's own. */
const AGENT_NODE = {
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'sgx-0', labels: { 'kubernetes.io/hostname': 'sgx-0', [EPC_ENFORCED_LABEL]: 'false', [SGX_CAPABLE_LABEL]: 'true' } },
  status: {
    capacity: { cpu: '4', [EPC_RESOURCE]: '67108864', [ENCLAVE_RESOURCE]: '20' },
    allocatable: { cpu: '4', [EPC_RESOURCE]: '67108864', [ENCLAVE_RESOURCE]: '20' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }, { type: EPC_ENFORCED_CONDITION, status: 'False', reason: 'NoEpcController' }],
  },
};

let cleanup: Promise<void> | undefined;
/** Runs README's Node cleanup once against AGENT_NODE: ours gone, kubelet's untouched; a second run changes nothing and does not fail. */
function checkNodeCleanup(): Promise<void> {
  cleanup ??= (async () => {
    expect(NODE_CLEANUP.length).toBeGreaterThanOrEqual(3);
    const after = await runNodeCleanup(NODE_CLEANUP, AGENT_NODE);
    expect(after.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'sgx-0' });
    expect(after.status.conditions).toEqual([AGENT_NODE.status.conditions[0]]);
    // The device plugin's enclave resource is kubelet's to drop (README says so).
    expect(after.status.capacity).toEqual({ cpu: '4', [ENCLAVE_RESOURCE]: '20' });
    expect(after.status.allocatable).toEqual({ cpu: '4', [ENCLAVE_RESOURCE]: '20' });
    expect(await runNodeCleanup(NODE_CLEANUP, after)).toEqual(after);
  })();
  return cleanup;
}

export const NOT_RUNNABLE: Record<string, NotRunnable> = {
  'npm ci && npx epc demo': { reason: `npm ci would reinstall node_modules under the running suite; ${DEMO}` },
  'npm ci && npm test': { reason: 'npm test is the suite this test runs in' },
  'npx epc demo --duration 5': { reason: DEMO },
  'npx epc demo --json --no-report': { reason: DEMO },
  'npx epc demo --scenario test/scenarios/demo/default.yaml': {
    reason: DEMO,
    check: async () => {
      expect((await loadScenarioFile(join(packageRoot(), 'test/scenarios/demo/default.yaml'))).tenants.length).toBeGreaterThan(0);
    },
  },
  'docker build -t ghcr.io/sgx-epc-enforcer/sgx-epc-enforcer:0.1.0 .': {
    reason: 'no Docker engine here (tooling.md); test/deploy/dockerfile.test.ts checks the Dockerfile, npm run e2e:kind builds it',
    check: async () => {
      const spec = one(await rendered('hardware'), 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec;
      expect(spec.containers[0].image).toBe('ghcr.io/sgx-epc-enforcer/sgx-epc-enforcer:0.1.0');
    },
  },
  'kubectl label node NODE sgx-epc-enforcer.io/simulated-sgx=true': {
    reason: CLUSTER,
    check: async () => {
      expect(one(await rendered('model'), 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec.nodeSelector).toEqual({ 'sgx-epc-enforcer.io/simulated-sgx': 'true' });
    },
  },
  'kubectl -n sgx-epc-system get pods -o wide': { reason: CLUSTER, check: () => expectNamed('sgx-epc-system', 'DaemonSet', 'sgx-epc-enforcer-agent') },
  'kubectl -n sgx-epc-webhook get pods': { reason: CLUSTER, check: () => expectNamed('sgx-epc-webhook', 'Deployment', 'sgx-epc-enforcer-webhook') },
  "kubectl get node NODE -o jsonpath='{.status.capacity.sgx\\.intel\\.com/epc}'": { reason: CLUSTER },
  'kubectl describe pod POD': { reason: CLUSTER },
  'kubectl -n sgx-epc-system logs ds/sgx-epc-enforcer-agent -c agent': { reason: CLUSTER, check: () => expectNamed('sgx-epc-system', 'DaemonSet', 'sgx-epc-enforcer-agent', 'agent') },
  'kubectl -n sgx-epc-webhook logs deploy/sgx-epc-enforcer-webhook -c webhook': { reason: CLUSTER, check: () => expectNamed('sgx-epc-webhook', 'Deployment', 'sgx-epc-enforcer-webhook', 'webhook') },
  'kubectl -n sgx-epc-webhook logs deploy/sgx-epc-enforcer-webhook -c cert-bootstrap': {
    reason: CLUSTER,
    check: () => expectNamed('sgx-epc-webhook', 'Deployment', 'sgx-epc-enforcer-webhook', 'cert-bootstrap'),
  },
  'kubectl -n sgx-epc-system port-forward pod/AGENT_POD 9102:9102': {
    reason: CLUSTER,
    check: async () => {
      const c = one(await rendered('hardware'), 'DaemonSet', 'sgx-epc-enforcer-agent').spec.template.spec.containers[0];
      expect(c.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(9102);
    },
  },
  "curl -s http://127.0.0.1:9102/metrics | grep '^epc_pod_'": { reason: `reads the port-forward above; ${CLUSTER}` },
  'kubectl debug node/NODE -it --profile=sysadmin --image=ghcr.io/sgx-epc-enforcer/sgx-epc-enforcer:0.1.0 -- epc doctor --root /host': {
    reason: `${CLUSTER}; test/doctor runs epc doctor --root against fake node roots, test/deploy/dockerfile.test.ts checks that the image has epc on PATH`,
  },
  'kubectl get nodes -L sgx-epc-enforcer.io/epc-enforced': { reason: CLUSTER },
  'kubectl get daemonsets -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,HOSTPATHS:.spec.template.spec.volumes[*].hostPath.path': { reason: `${CLUSTER}; test/deploy/system-namespaces.test.ts checks the excluded namespaces against such DaemonSets` },
  'kubectl describe node NODE': { reason: CLUSTER },
  'kubectl apply -f deploy/examples/sgx-pod.yaml': { reason: `${CLUSTER}; test/deploy/examples.test.ts validates the pod and runs it through the webhook's review` },
  "kubectl get pod sgx-epc-sample -o jsonpath='{.spec.containers[0].resources.limits}'": { reason: CLUSTER },
  'kubectl describe pod sgx-epc-sample': { reason: CLUSTER },
  "curl -s http://127.0.0.1:9102/metrics | grep 'pod=\"sgx-epc-sample\"'": { reason: `reads the port-forward above; ${CLUSTER}` },
  "curl -s http://127.0.0.1:9102/metrics | grep '^epc_pod_peak_bytes'": { reason: `reads the port-forward above; ${CLUSTER}` },
  'kubectl -n sgx-epc-system rollout status ds/sgx-epc-enforcer-agent': { reason: CLUSTER, check: () => expectNamed('sgx-epc-system', 'DaemonSet', 'sgx-epc-enforcer-agent') },
  'kubectl delete mutatingwebhookconfiguration sgx-epc-enforcer': { reason: CLUSTER, check: () => expectNamed(undefined, 'MutatingWebhookConfiguration', 'sgx-epc-enforcer') },
  'kubectl delete validatingwebhookconfiguration sgx-epc-enforcer': { reason: CLUSTER, check: () => expectNamed(undefined, 'ValidatingWebhookConfiguration', 'sgx-epc-enforcer') },
  'helm uninstall sgx-epc-enforcer': { reason: CLUSTER },
  ...Object.fromEntries(NODE_CLEANUP.map((cmd) => [cmd, { reason: `${CLUSTER}; run by bash against a Node in a file, patched by the real kubectl --local (test/readme/node-cleanup.ts)`, check: checkNodeCleanup }])),
  "kubectl get pods -A -o 'custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,ENCLAVE:.spec.containers[*].resources.limits.sgx\\.intel\\.com/enclave'": {
    reason: CLUSTER,
    check: async () => expect(ENCLAVE_RESOURCE.replaceAll('.', '\\.')).toBe('sgx\\.intel\\.com/enclave'),
  },
  [UPGRADE_LISTING]: {
    reason: CLUSTER,
    // the listing's pattern picks exactly the hostPaths the new rule denies with policy strict
    // (and warns of by default), of those no older rule denied
    check: async () => {
      const pattern = /test\("([^"]+)"\)/.exec(UPGRADE_LISTING)![1];
      const re = new RegExp(pattern);
      const config = resolveWebhookConfig({ policy: 'strict' });
      const rules = (path: string) => reviewPodCreate({ spec: { volumes: [{ name: 'v', hostPath: { path } }], containers: [{ name: 'c' }] } }, config).violations.map((v) => v.rule);
      for (const path of ['/sys', '/sys/', '/sys/fs', '/sys/fs/cgroup', '/sys/fs/cgroup/misc', '/var/lib', '/var/lib/kubelet', '/var/lib/kubelet/device-plugins', '/var/lib/kubelet/device-plugins/kubelet.sock', '/var/lib/kubelet/pods', '/var/lib/kubelet/plugins_registry', '/sys/kernel', '/var/log', '/var/lib/docker']) {
        const r = rules(path);
        expect([path, re.test(path)]).toEqual([path, r.includes('hostpath-enforcement') && r.length === 1]);
      }
    },
  },
  'npm test': { reason: 'npm test is the suite this test runs in' },
  'npx vitest run test/readme': { reason: 'runs this very test' },
  'npm run bench': { reason: 'prints performance figures for minutes; tests assert no timings (notes/common.md)', check: () => expectScript('bench') },
  'npm run e2e:kind': {
    reason: 'needs Docker and kind and runs for minutes where they exist; test/deploy/e2e-assets.test.ts checks its assets',
    check: () => expectScript('e2e:kind'),
  },
};
