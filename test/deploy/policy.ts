/**
 * The install policy (issue 6) as one pure checker over rendered objects, run by both the chart
 * and the kustomize tests: `checkPolicy(objects, variant)` returns every violation as text, so a
 * test asserts `[]` and a broken copy of the objects shows the checker can fail.
 */
import { AGENT_TUNING_ENV_NAMES } from '../../src/agent/agent-runtime-env.js';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import type { K8sObject } from './render.js';

/**
 * The agent's RSS bound as `npm run bench -- agent` checks it (<= 80 MiB with 110 EPC pods, <= 90
 * MiB after 3300 more PreStarts, no tuning env): the DaemonSet's memory request covers it.
 */
export const AGENT_RSS_BOUND_MIB = 90;

/** A memory quantity (Ki, Mi, Gi or bytes) in MiB; undefined if it is none of those. */
function mebibytes(q: unknown): number | undefined {
  const m = typeof q === 'string' ? /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(q) : null;
  if (!m) return undefined;
  const scale = { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1 / (1024 * 1024);
  return Number(m[1]) * scale;
}

/** The agent's `--enforce` values (issue 15): auto enforces where the node has an EPC controller. */
export const ENFORCE_VALUES = ['auto', 'true', 'false'] as const;
/** One of ENFORCE_VALUES. */
export type EnforceValue = (typeof ENFORCE_VALUES)[number];

/**
 * The agent's RBAC, the same for every mode and enforce value: its pods (informer), its Node
 * (get; patch for the epc-enforced label), nodes/status (the SgxEpcEnforced condition, and the
 * EPC capacity when advertising), Events.
 */
export const AGENT_RULES = ['/events:create', '/nodes/status:patch', '/nodes:get,patch', '/pods:get,list,watch'];
/** The webhook's Node watch (`--enclave-request=auto`, issue 15): read-only Nodes. */
export const WEBHOOK_NODE_RULES = ['/nodes:get,list,watch'];

/** Which install is being checked. */
export interface Variant {
  mode: 'model' | 'hardware' | 'enforce-only';
  certs: 'bootstrap' | 'cert-manager';
  aks: boolean;
  /** The agent's --enforce value; default auto (issue 15). */
  enforce?: EnforceValue;
  /** The webhook's --enclave-request; default auto (a Node watch, RBAC nodes get/list/watch). */
  enclaveRequest?: 'auto' | 'always';
  agentNamespace: string;
  webhookNamespace: string;
}

/** NFD's SGX label: the default node selection on hardware. */
export const NFD_SGX_LABEL = 'feature.node.kubernetes.io/cpu-sgx.enabled';
/** The label nodes carry to opt into the simulated (model) mode. */
export const SIMULATED_SGX_LABEL = 'sgx-epc-enforcer.io/simulated-sgx';
/** The well-known instance-type label AKS sets on every node (the SGX VM sizes select AKS nodes). */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
/** The agent's metric names as its real registry declares them: the dashboard and the alerts may use only these. */
export const AGENT_METRICS: string[] = (await new AgentMetrics().registry.getMetricsAsJSON()).map((m) => m.name);

/** A series name as PromQL writes it, back to its metric (histograms add _bucket, _sum, _count). */
export function metricOf(series: string): string {
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return AGENT_METRICS.includes(base) ? base : series;
}

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] };

/** Canonical text of RBAC rules (sorted) for equality checks. */
export function ruleSet(rules: Rule[] | undefined): string[] {
  return (rules ?? [])
    .flatMap((r) => (r.apiGroups ?? ['']).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}:${[...(r.verbs ?? [])].sort().join(',')}${r.resourceNames ? `@${[...r.resourceNames].sort().join(',')}` : ''}`)))
    .sort();
}

function podSpec(o: K8sObject): K8sObject['spec'] {
  return o.spec?.template?.spec ?? {};
}

function containersOf(o: K8sObject): K8sObject[] {
  const s = podSpec(o);
  return [...(s.initContainers ?? []), ...(s.containers ?? [])];
}

/** Checks every policy point; returns the violations (empty = compliant). */
export function checkPolicy(objs: K8sObject[], v: Variant): string[] {
  const bad: string[] = [];
  const need = (cond: unknown, msg: string) => {
    if (!cond) bad.push(msg);
  };
  const find = (kind: string, pred: (o: K8sObject) => boolean = () => true) => objs.filter((o) => o.kind === kind && pred(o));

  // Namespaces with explicit Pod Security levels.
  const ns = (name: string) => find('Namespace', (o) => o.metadata.name === name)[0];
  need(ns(v.agentNamespace)?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'privileged', `namespace ${v.agentNamespace} must enforce PSA privileged`);
  need(ns(v.webhookNamespace)?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted', `namespace ${v.webhookNamespace} must enforce PSA restricted`);

  // RBAC: no wildcards anywhere; exact agent rules; webhook rules only for its cert bootstrap.
  for (const r of [...find('Role'), ...find('ClusterRole')]) {
    for (const rule of (r.rules ?? []) as Rule[]) {
      const all = [...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])];
      need(!all.includes('*'), `${r.kind} ${r.metadata.name} uses a wildcard`);
      need(!(rule.resources ?? []).some((x) => x === 'secrets') || !(rule.verbs ?? []).some((x) => x === 'list' || x === 'watch'), `${r.kind} ${r.metadata.name} may list/watch secrets`);
    }
  }
  const agentSa = find('ServiceAccount', (o) => o.metadata.namespace === v.agentNamespace)[0];
  const webhookSa = find('ServiceAccount', (o) => o.metadata.namespace === v.webhookNamespace)[0];
  need(agentSa && webhookSa, 'agent and webhook ServiceAccounts must exist in their namespaces');
  const rulesBoundTo = (sa: K8sObject | undefined) => {
    if (!sa) return [];
    const bindings = [...find('RoleBinding'), ...find('ClusterRoleBinding')].filter((b) => (b.subjects ?? []).some((s: { name: string; namespace?: string }) => s.name === sa.metadata.name && s.namespace === sa.metadata.namespace));
    return bindings.flatMap((b) => {
      const role = find(b.roleRef.kind, (r) => r.metadata.name === b.roleRef.name && (b.roleRef.kind === 'ClusterRole' || r.metadata.namespace === b.metadata.namespace))[0];
      need(role, `${b.kind} ${b.metadata.name} refers to a missing ${b.roleRef.kind} ${b.roleRef.name}`);
      return ruleSet(role?.rules);
    }).sort();
  };
  const agentRules = [...AGENT_RULES].sort();
  need(JSON.stringify(rulesBoundTo(agentSa)) === JSON.stringify(agentRules), `agent RBAC must be exactly ${agentRules.join(' ')}, got ${rulesBoundTo(agentSa).join(' ')}`);
  const mutating = find('MutatingWebhookConfiguration');
  const validating = find('ValidatingWebhookConfiguration');
  const webhookRules = rulesBoundTo(webhookSa);
  const nodeRules = (v.enclaveRequest ?? 'auto') === 'auto' ? WEBHOOK_NODE_RULES : [];
  if (v.certs === 'bootstrap') {
    const secret = webhookRules.find((r) => r.startsWith('/secrets:get,update@'));
    const cfgNames = [...new Set([...mutating, ...validating].map((o) => o.metadata.name))].sort().join(',');
    const expected = [
      ...nodeRules,
      '/secrets:create',
      secret ?? '/secrets:get,update@<missing>',
      `admissionregistration.k8s.io/mutatingwebhookconfigurations:get,patch@${cfgNames}`,
      `admissionregistration.k8s.io/validatingwebhookconfigurations:get,patch@${cfgNames}`,
    ].sort();
    need(JSON.stringify(webhookRules) === JSON.stringify(expected), `webhook RBAC must be only the Node watch's and the cert bootstrap's (${expected.join(' ')}), got ${webhookRules.join(' ')}`);
  } else {
    need(JSON.stringify(webhookRules) === JSON.stringify(nodeRules), `webhook RBAC must be only the Node watch's with cert-manager (${nodeRules.join(' ') || 'none'}), got ${webhookRules.join(' ')}`);
    if (nodeRules.length > 0) need(webhookSa?.automountServiceAccountToken !== false, 'webhook ServiceAccount must mount its token (the Node watch reads Nodes)');
    else need(webhookSa?.automountServiceAccountToken === false, 'webhook ServiceAccount must not mount a token: cert-manager and no Node watch, so no API calls');
  }

  // Agent DaemonSet.
  const dsList = find('DaemonSet');
  need(dsList.length === 1, `exactly one DaemonSet expected, got ${dsList.length}`);
  const ds = dsList[0];
  if (ds) {
    const spec = podSpec(ds);
    need(ds.metadata.namespace === v.agentNamespace, 'agent DaemonSet must be in the agent namespace');
    need(spec.priorityClassName === 'system-node-critical', 'agent must be system-node-critical');
    need(ds.spec.updateStrategy?.type === 'RollingUpdate', 'agent updateStrategy must be RollingUpdate');
    need((spec.tolerations ?? []).length > 0, 'agent must have tolerations');
    need(spec.serviceAccountName === agentSa?.metadata.name, 'agent must run as its ServiceAccount');
    const terms: K8sObject[] = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const termKeys = terms.map((t) => (t.matchExpressions ?? []).map((e: K8sObject) => e.key).join('+'));
    const sgxTypes = terms.flatMap((t) => t.matchExpressions ?? []).find((e: K8sObject) => e.key === INSTANCE_TYPE_LABEL);
    const sgxTypesOk = sgxTypes && sgxTypes.operator === 'In' && sgxTypes.values.length > 0 && sgxTypes.values.every((x: string) => /^Standard_DC\d+d?s?_v[23]$/.test(x));
    if (v.aks) {
      need(sgxTypesOk && termKeys.join(',') === INSTANCE_TYPE_LABEL, 'aks: agent must select DC-series SGX instance types only');
      need(!spec.nodeSelector?.[NFD_SGX_LABEL], 'aks: no NFD selector (AKS nodes have no NFD labels)');
    } else if (v.mode === 'model') {
      need(spec.nodeSelector?.[SIMULATED_SGX_LABEL] === 'true' && terms.length === 0, `model: agent must select ${SIMULATED_SGX_LABEL}=true only`);
    } else {
      // Issue 15: NFD's label alone strands AKS (no NFD labels there): NFD OR an SGX instance type
      // (hardware, and enforce-only outside AKS: SGX nodes only, not every node).
      const nfd = terms.flatMap((t) => t.matchExpressions ?? []).find((e: K8sObject) => e.key === NFD_SGX_LABEL);
      need(!spec.nodeSelector && termKeys.join(',') === `${NFD_SGX_LABEL},${INSTANCE_TYPE_LABEL}` && nfd?.operator === 'In' && nfd.values?.join() === 'true' && sgxTypesOk, `${v.mode}: agent must select ${NFD_SGX_LABEL}=true OR an SGX ${INSTANCE_TYPE_LABEL} (two ORed node affinity terms), not a nodeSelector`);
    }
    const hostPaths = new Map<string, { path: string; type?: string }>((spec.volumes ?? []).filter((x: K8sObject) => x.hostPath).map((x: K8sObject) => [x.name, x.hostPath]));
    const paths = [...hostPaths.values()].map((h) => h.path);
    need(paths.some((p) => p.endsWith('/device-plugins')), 'agent must mount the device-plugins dir');
    const pr = [...hostPaths.values()].find((h) => h.path.endsWith('/pod-resources'));
    need(pr && pr.type === 'Directory', 'agent must mount the pod-resources DIRECTORY (type Directory), not the socket');
    need(paths.includes('/sys/fs/cgroup'), 'agent must mount /sys/fs/cgroup');
    if (v.mode === 'model') need(paths.includes('/var/run/epc'), 'model: agent and controller must share the /var/run/epc socket dir');
    else need(paths.includes('/dev/sgx_enclave'), 'hardware: agent must see /dev/sgx_enclave');
    const agent = (spec.containers ?? []).find((c: K8sObject) => c.name === 'agent');
    need(agent, 'agent container missing');
    const cgMount = agent?.volumeMounts?.find((m: K8sObject) => m.mountPath === '/sys/fs/cgroup');
    need(cgMount && Boolean(cgMount.readOnly) === (v.mode === 'model'), 'agent /sys/fs/cgroup: read-only exactly in model mode (the cgroupfs backend writes misc.max)');
    const nodeName = agent?.env?.find((e: K8sObject) => e.name === 'NODE_NAME');
    need(nodeName?.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName', 'agent NODE_NAME must come from the downward API spec.nodeName');
    for (const name of AGENT_TUNING_ENV_NAMES) {
      need(!agent?.env?.some((e: K8sObject) => e.name === name), `agent env ${name} must not be set: the agent tunes its own V8 (src/agent/agent-runtime-env.ts), and the bench measures it without`);
    }
    const memReq = mebibytes(agent?.resources?.requests?.memory);
    const memLim = mebibytes(agent?.resources?.limits?.memory);
    need(memReq !== undefined && memReq >= AGENT_RSS_BOUND_MIB && memLim !== undefined && memLim >= memReq * 1.5,
      `agent memory request must cover the ${AGENT_RSS_BOUND_MIB} MiB RSS bound of \`npm run bench -- agent\` and its limit leave >= 1.5x headroom, got ${agent?.resources?.requests?.memory}/${agent?.resources?.limits?.memory}`);
    const args: string[] = agent?.args ?? [];
    need(args[0] === 'agent' && args.includes('--node-name=$(NODE_NAME)'), 'agent args must start with `agent` and pass --node-name=$(NODE_NAME)');
    need(args.includes(`--epc-backend=${v.mode === 'model' ? 'model' : 'cgroupfs'}`), `agent --epc-backend must match mode ${v.mode}`);
    need(args.includes('--advertise=false') === (v.mode === 'enforce-only'), 'agent --advertise=false exactly in enforce-only mode');
    const enforce = v.enforce ?? 'auto';
    const enforceArgs = args.filter((a) => a === '--enforce' || a.startsWith('--enforce='));
    need(enforceArgs.length === 1 && enforceArgs[0] === `--enforce=${enforce}`, `agent must pass exactly --enforce=${enforce}, got ${enforceArgs.join(' ') || 'none'}`);
    // The metrics Service: one scrape target per agent pod (issue 15: monitoring that works).
    const metricsSvc = find('Service', (o) => o.metadata.namespace === v.agentNamespace && matches(o.spec?.selector, ds.spec.template.metadata?.labels))[0];
    const svcPorts: string[] = (metricsSvc?.spec?.ports ?? []).map((p: K8sObject) => `${p.name}:${p.targetPort}`);
    const wantPorts = ['metrics:metrics', ...(v.mode === 'model' ? ['model-metrics:model-metrics'] : [])];
    need(metricsSvc && metricsSvc.spec.clusterIP === 'None' && JSON.stringify(svcPorts) === JSON.stringify(wantPorts), `agent metrics Service (headless, selecting the agent pods) must expose ${wantPorts.join(' ')}, got ${svcPorts.join(' ') || 'no Service'}`);
    const ctl = (spec.containers ?? []).find((c: K8sObject) => c.name === 'controller');
    need(Boolean(ctl) === (v.mode === 'model'), 'the epc controller container runs exactly in model mode');
    if (ctl) need(ctl.args?.[0] === 'controller' && ctl.args.includes('--socket-dir=/var/run/epc'), 'controller must serve in /var/run/epc');
    need(spec.securityContext?.seccompProfile?.type === 'RuntimeDefault', 'agent pod seccomp must be RuntimeDefault');
    for (const c of spec.containers ?? []) checkContainer(`agent pod/${c.name}`, c, need, { probes: true });
  }

  // Webhook Deployment, Service, PDB.
  const dep = find('Deployment')[0];
  need(dep, 'webhook Deployment missing');
  if (dep) {
    const spec = podSpec(dep);
    need(dep.metadata.namespace === v.webhookNamespace, 'webhook must be in the webhook namespace');
    need(dep.spec.replicas >= 2, 'webhook needs at least 2 replicas');
    const anti = spec.affinity?.podAntiAffinity;
    const terms = [...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: K8sObject) => t.podAffinityTerm), ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? [])];
    need(terms.some((t: K8sObject) => t.topologyKey === 'kubernetes.io/hostname' && matches(t.labelSelector?.matchLabels, dep.spec.template.metadata.labels)), 'webhook needs pod anti-affinity across nodes');
    need(spec.securityContext?.runAsNonRoot === true && spec.securityContext?.seccompProfile?.type === 'RuntimeDefault', 'webhook pod must be runAsNonRoot with seccomp RuntimeDefault');
    need(!(spec.volumes ?? []).some((x: K8sObject) => x.hostPath) && !spec.hostNetwork && !spec.hostPID, 'webhook pod must meet PSA restricted (no host namespaces or hostPath)');
    const wh = (spec.containers ?? []).find((c: K8sObject) => c.name === 'webhook');
    need(wh?.args?.[0] === 'webhook', 'webhook container must run `epc webhook`');
    need((wh?.args ?? []).includes(`--enclave-request=${v.enclaveRequest ?? 'auto'}`), `webhook must run with --enclave-request=${v.enclaveRequest ?? 'auto'}`);
    for (const c of spec.containers ?? []) checkContainer(`webhook pod/${c.name}`, c, need, { probes: true });
    for (const c of spec.initContainers ?? []) checkContainer(`webhook pod/${c.name}`, c, need, { probes: false });
    need(Boolean(spec.initContainers?.some((c: K8sObject) => c.name === 'cert-bootstrap')) === (v.certs === 'bootstrap'), 'cert-bootstrap init container exactly in bootstrap mode');
    const pdb = find('PodDisruptionBudget')[0];
    need(pdb && pdb.metadata.namespace === v.webhookNamespace && matches(pdb.spec.selector?.matchLabels, dep.spec.template.metadata.labels) && pdb.spec.minAvailable >= 1, 'webhook PDB must keep >= 1 replica of the webhook pods');
    const svc = find('Service', (s) => s.metadata.namespace === v.webhookNamespace)[0];
    need(svc && matches(svc.spec.selector, dep.spec.template.metadata.labels), 'webhook Service must select the webhook pods');
    // Webhook configurations.
    need(mutating.length === 1 && validating.length === 1, 'one Mutating and one Validating webhook configuration expected');
    for (const cfg of [...mutating, ...validating]) {
      need(cfg.apiVersion === 'admissionregistration.k8s.io/v1', `${cfg.kind} must be v1`);
      // AKS's admissions enforcer keeps excluding the namespaces AKS manages (no opt-out by default, issue 15).
      need(cfg.metadata.annotations?.['admissions.enforcer/disabled'] === undefined, `${cfg.kind} must not opt out of AKS's admissions enforcer (aks.admissionsEnforcerOptOut is off by default)`);
      if (v.certs === 'cert-manager') {
        const ref = cfg.metadata.annotations?.['cert-manager.io/inject-ca-from'] ?? '';
        need(find('Certificate', (c) => `${c.metadata.namespace}/${c.metadata.name}` === ref).length === 1, `${cfg.kind} inject-ca-from must name a rendered Certificate, got ${ref}`);
      }
      for (const w of cfg.webhooks ?? []) {
        const id = `${cfg.kind}/${w.name}`;
        need(w.sideEffects === 'None', `${id}: sideEffects must be None`);
        need(Number.isInteger(w.timeoutSeconds) && w.timeoutSeconds >= 1 && w.timeoutSeconds <= 5, `${id}: timeoutSeconds must be 1-5`);
        need(w.failurePolicy === 'Fail' || w.failurePolicy === 'Ignore', `${id}: failurePolicy must be explicit`);
        need((w.admissionReviewVersions ?? []).includes('v1'), `${id}: must accept AdmissionReview v1`);
        const sel = (w.namespaceSelector?.matchExpressions ?? []).find((e: K8sObject) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
        need(sel && ['kube-system', v.webhookNamespace, v.agentNamespace].every((n) => sel.values.includes(n)), `${id}: namespaceSelector must exclude kube-system and our namespaces on kubernetes.io/metadata.name`);
        const ref = w.clientConfig?.service;
        need(ref && svc && ref.name === svc.metadata.name && ref.namespace === svc.metadata.namespace && svc.spec.ports.some((p: K8sObject) => p.port === (ref.port ?? 443)), `${id}: clientConfig must point at the webhook Service port`);
        const enforced = w.name.startsWith('mutate-enforced.');
        need(ref?.path === (enforced ? '/mutate-require-enforcement' : cfg.kind.startsWith('Mutating') ? '/mutate' : '/validate'), `${id}: wrong path ${ref?.path}`);
        // the require-enforcement entry: only namespaces labelled for it (the API server selects them)
        const labelled = (w.namespaceSelector?.matchExpressions ?? []).some((e: K8sObject) => e.key === 'sgx-epc-enforcer.io/require-enforcement' && e.operator === 'In' && JSON.stringify(e.values) === '["true"]');
        need(labelled === enforced, `${id}: the require-enforcement namespace label selects exactly the mutate-enforced entry`);
        need((w.rules ?? []).some((r: K8sObject) => r.resources.includes('pods') && r.operations.includes('CREATE')), `${id}: must handle pod CREATE`);
        // failurePolicy covers only pods that touch SGX (issue 15); match-conditions.test.ts checks what it selects.
        need((w.matchConditions ?? []).length === 1 && w.matchConditions[0].name === 'touches-sgx' && typeof w.matchConditions[0].expression === 'string', `${id}: needs the one matchCondition touches-sgx`);
        if (cfg.kind.startsWith('Validating')) {
          // `pods` does not match subresources; kubectl debug adds ephemeral containers through this one.
          const core = (r: K8sObject) => (r.apiGroups ?? []).includes('') && (r.apiVersions ?? []).some((x: string) => x === 'v1' || x === '*');
          need((w.rules ?? []).some((r: K8sObject) => core(r) && (r.resources ?? []).includes('pods/ephemeralcontainers') && (r.operations ?? []).some((op: string) => op === 'UPDATE' || op === '*')), `${id}: must handle UPDATE of pods/ephemeralcontainers (kubectl debug)`);
        }
      }
    }
  }
  return bad;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, val]) => labels?.[k] === val);
}

function checkContainer(id: string, c: K8sObject, need: (cond: unknown, msg: string) => void, o: { probes: boolean }): void {
  const sc = c.securityContext ?? {};
  need(sc.capabilities?.drop?.includes('ALL') && !(sc.capabilities?.add?.length > 0), `${id}: must drop ALL capabilities and add none`);
  need(sc.allowPrivilegeEscalation === false, `${id}: allowPrivilegeEscalation must be false`);
  need(sc.readOnlyRootFilesystem === true, `${id}: readOnlyRootFilesystem must be true`);
  need(sc.privileged !== true, `${id}: must not be privileged`);
  need(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, `${id}: needs cpu/memory requests and a memory limit`);
  if (o.probes) need(c.livenessProbe && c.readinessProbe, `${id}: needs liveness and readiness probes`);
}
