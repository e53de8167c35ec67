/**
 * The webhooks' matchConditions (CEL) agree with the webhook's own rules: the rendered
 * expressions (chart and kustomize, every overlay) are evaluated by a CEL evaluator
 * (@marcbachmann/cel-js) over a table of pods (the webhook's recorded fixtures plus hand-made
 * cases) and over generated pods (fast-check), and every pod the webhook would deny, patch or
 * warn about (handleAdmission, default and strict policy, with and without a node offering the
 * enclave resource) must be matched; ordinary pods must not be. No expression may fail to
 * evaluate: an error would fall under failurePolicy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@marcbachmann/cel-js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleAdmission, resolveWebhookConfig, type EnclaveOffers, type WebhookConfig, type WebhookConfigFile } from '../../src/webhook/index.js';
import { all, helmTemplate, kustomize, type K8sObject } from './render.js';
import { PAIRED } from './variants.js';

type Matcher = (vars: Record<string, unknown>) => unknown;

interface Rendered {
  name: string;
  objs: K8sObject[];
}

/** Every webhook's matchConditions of a render, compiled: `{kind/name: [compiled]}`. */
function conditionsOf(objs: K8sObject[]): Map<string, Array<{ name: string; expression: string; eval: Matcher }>> {
  const out = new Map<string, Array<{ name: string; expression: string; eval: Matcher }>>();
  for (const cfg of [...all(objs, 'MutatingWebhookConfiguration'), ...all(objs, 'ValidatingWebhookConfiguration')]) {
    for (const w of cfg.webhooks ?? []) {
      out.set(`${cfg.kind}/${w.name}`, (w.matchConditions ?? []).map((c: { name: string; expression: string }) => ({ ...c, eval: parse(c.expression) as unknown as Matcher })));
    }
  }
  return out;
}

/** All conditions true (the API server calls the webhook); throws if an expression errors. */
function matched(conds: Array<{ eval: Matcher }>, vars: Record<string, unknown>): boolean {
  return conds.every((c) => {
    const r = c.eval(vars);
    if (typeof r !== 'boolean') throw new Error(`matchCondition returned ${String(r)}, not a bool`);
    return r;
  });
}

interface Case {
  name: string;
  operation: 'CREATE' | 'UPDATE';
  subResource?: string;
  object: unknown;
  oldObject?: unknown;
}

const EPC = 'sgx.intel.com/epc';
const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team', ...(annotations ? { annotations } : {}) }, spec,
});
const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', ...extra });
const res = (r: Record<string, string>) => ({ resources: { requests: r, limits: r } });

/** Pods the webhook acts on or not, by hand, beyond the fixtures. */
const HAND: Case[] = [
  { name: 'plain pod', operation: 'CREATE', object: pod({ containers: [c('a')] }) },
  { name: 'plain pod with cpu, emptyDir and configMap', operation: 'CREATE', object: pod({ containers: [c('a', { ...res({ cpu: '1' }), volumeMounts: [{ name: 'e', mountPath: '/e' }] })], volumes: [{ name: 'e', emptyDir: {} }, { name: 'cm', configMap: { name: 'x' } }] }) },
  { name: 'EPC in an init container', operation: 'CREATE', object: pod({ initContainers: [c('i', res({ [EPC]: '8Mi' }))], containers: [c('a')] }) },
  { name: 'EPC in a restartable sidecar', operation: 'CREATE', object: pod({ initContainers: [c('s', { restartPolicy: 'Always', ...res({ [EPC]: '8Mi' }) })], containers: [c('a')] }) },
  { name: 'enclave only in limits', operation: 'CREATE', object: pod({ containers: [c('a', { resources: { limits: { 'sgx.intel.com/enclave': '1' } } })] }) },
  { name: 'provision only in requests', operation: 'CREATE', object: pod({ containers: [c('a', { resources: { requests: { 'sgx.intel.com/provision': '1' } } })] }) },
  { name: 'hostPath /var/log (no SGX device): matched anyway', operation: 'CREATE', object: pod({ containers: [c('a', { volumeMounts: [{ name: 'l', mountPath: '/l' }] })], volumes: [{ name: 'l', hostPath: { path: '/var/log' } }] }) },
  { name: 'hostPath of the controller socket dir, unmounted', operation: 'CREATE', object: pod({ containers: [c('a')], volumes: [{ name: 's', hostPath: { path: '/run/epc' } }] }) },
  { name: 'privileged plain container (strict policy denies privileged)', operation: 'CREATE', object: pod({ containers: [c('a', { securityContext: { privileged: true } })] }) },
  { name: 'privileged ephemeral container', operation: 'UPDATE', subResource: 'ephemeralcontainers', object: pod({ containers: [c('a')], ephemeralContainers: [c('dbg', { securityContext: { privileged: true } })] }), oldObject: pod({ containers: [c('a')] }) },
  { name: 'hostPID plain pod (warned; strict policy denies it)', operation: 'CREATE', object: pod({ hostPID: true, containers: [c('a')] }) },
  { name: 'hostPath /sys/fs/cgroup read-only (the enforcement itself)', operation: 'CREATE', object: pod({ containers: [c('a', { volumeMounts: [{ name: 'cg', mountPath: '/cg', readOnly: true }] })], volumes: [{ name: 'cg', hostPath: { path: '/sys/fs/cgroup' } }] }) },
  { name: 'not privileged (false)', operation: 'CREATE', object: pod({ containers: [c('a', { securityContext: { privileged: false, runAsNonRoot: true } })] }) },
  { name: 'quote-provider annotation alone', operation: 'CREATE', object: pod({ containers: [c('a')] }, { 'sgx.intel.com/quote-provider': 'aesmd' }) },
  { name: 'EPC annotation removed on UPDATE', operation: 'UPDATE', object: pod({ containers: [c('a')] }), oldObject: pod({ containers: [c('a')] }, { [EPC]: '8388608' }) },
  { name: 'EPC annotation added on UPDATE', operation: 'UPDATE', object: pod({ containers: [c('a')] }, { [EPC]: '8388608' }), oldObject: pod({ containers: [c('a')] }) },
  { name: 'label change of a plain pod', operation: 'UPDATE', object: pod({ containers: [c('a')] }, { team: 'b' }), oldObject: pod({ containers: [c('a')] }) },
  { name: 'opt-out and require-enforcement annotations on a plain pod', operation: 'CREATE', object: pod({ containers: [c('a')] }, { 'admissions.enforcer/disabled': 'true', 'sgx-epc-enforcer.io/require-enforcement': 'true' }) },
];
/** Hand cases that must NOT reach the webhook. */
const ORDINARY = new Set(['plain pod', 'plain pod with cpu, emptyDir and configMap', 'not privileged (false)', 'label change of a plain pod', 'opt-out and require-enforcement annotations on a plain pod']);

/** The webhook's recorded AdmissionReview fixtures (Pod CREATE/UPDATE ones). */
function fixtureCases(): Case[] {
  const dir = join(import.meta.dirname, '../webhook/fixtures');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'))?.request;
    if (r?.kind?.kind !== 'Pod' || !r.object || (r.operation !== 'CREATE' && r.operation !== 'UPDATE')) return [];
    return [{ name: `fixture ${f}`, operation: r.operation, subResource: r.subResource, object: r.object, oldObject: r.oldObject ?? undefined }];
  });
}

const NOT_OFFERED: EnclaveOffers = { state: () => ({ status: 'not-offered', nodes: 1 }) };

/** Does the webhook act on this request at `endpoint`: deny, patch, or warn? */
function acts(endpoint: 'mutate' | 'validate', k: Case, config: WebhookConfig, offers?: EnclaveOffers, byNamespace = false): boolean {
  const request = {
    uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    subResource: k.subResource, namespace: 'team', operation: k.operation, object: k.object, oldObject: k.oldObject ?? null,
  };
  const r = (handleAdmission(endpoint, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }, config, offers, byNamespace).body as any).response;
  return !r.allowed || r.patch !== undefined || (r.warnings ?? []).length > 0;
}

/** Whether the API server would call the webhook at all for this request (rules first, then matchConditions). */
function calls(kind: string, conds: Array<{ eval: Matcher }>, k: Case): boolean {
  const mutating = kind.startsWith('Mutating');
  if (mutating && (k.operation !== 'CREATE' || k.subResource)) return false; // rules: pods CREATE
  return matched(conds, { object: k.object, oldObject: k.oldObject ?? null, request: { operation: k.operation, subResource: k.subResource ?? '' } });
}

function checkAgreement(objs: K8sObject[], cases: Case[], configs: WebhookConfig[]): string[] {
  const problems: string[] = [];
  for (const [kind, conds] of conditionsOf(objs)) {
    const endpoint = kind.startsWith('Mutating') ? 'mutate' : 'validate';
    for (const k of cases) {
      if (endpoint === 'mutate' && (k.operation !== 'CREATE' || k.subResource)) continue;
      const called = calls(kind, conds, k);
      for (const config of configs) {
        for (const offers of [undefined, NOT_OFFERED]) {
          if (acts(endpoint, k, config, offers, kind.includes('/mutate-enforced.')) && !called) problems.push(`${kind}: ${k.name} (policy ${config.policy}${offers ? ', no node offers enclave' : ''}): the webhook acts but matchConditions skip it`);
        }
      }
    }
  }
  return problems;
}

const CONFIGS = [resolveWebhookConfig(), resolveWebhookConfig({ policy: 'strict' })];

describe('matchConditions agree with the webhook rules', () => {
  let renders: Rendered[];
  beforeAll(async () => {
    renders = [{ name: 'chart defaults', objs: await helmTemplate({}) }];
    for (const p of PAIRED) renders.push({ name: `deploy/${p.overlay}`, objs: await kustomize(p.overlay) });
  }, 120_000);

  it('every webhook of every render has the same touches-sgx condition', () => {
    const expressions = new Set<string>();
    for (const r of renders) {
      const conds = conditionsOf(r.objs);
      expect([...conds.keys()].sort(), r.name).toEqual(['MutatingWebhookConfiguration/mutate-enforced.sgx-epc-enforcer.io', 'MutatingWebhookConfiguration/mutate.sgx-epc-enforcer.io', 'ValidatingWebhookConfiguration/validate.sgx-epc-enforcer.io']);
      for (const cs of conds.values()) {
        expect(cs.map((x) => x.name), r.name).toEqual(['touches-sgx']);
        expressions.add(cs[0].expression);
      }
    }
    expect(expressions.size, 'chart and overlays render one expression').toBe(1);
  });

  it('the table: every pod the webhook acts on is matched; ordinary pods are not', () => {
    const cases = [...fixtureCases(), ...HAND];
    expect(cases.length).toBeGreaterThan(25);
    for (const r of renders) expect(checkAgreement(r.objs, cases, CONFIGS), r.name).toEqual([]);
    const conds = conditionsOf(renders[0].objs).get('ValidatingWebhookConfiguration/validate.sgx-epc-enforcer.io')!;
    const skipped = cases.filter((k) => !calls('Validating', conds, k)).map((k) => k.name).sort();
    expect(skipped).toEqual([...ORDINARY].sort());
    // the table really exercises the webhook: most of it is acted on
    expect(cases.filter((k) => acts('validate', k, CONFIGS[1])).length).toBeGreaterThan(15);
  });

  it('generated pods: every one the webhook acts on is matched (default and strict, enclave offered or not); no expression errors', () => {
    const names = ['sgx.intel.com/epc', 'sgx.intel.com/enclave', 'sgx.intel.com/provision', 'cpu', 'memory'];
    const quantity = fc.constantFrom('8Mi', '1', '0', '12Ki', '10 Mi', '4096');
    const resourceList = fc.dictionary(fc.constantFrom(...names), quantity, { maxKeys: 3 });
    const volumeNames = ['v0', 'v1', 'v2'];
    const container = fc.record({
      name: fc.constantFrom('a', 'b', 'aesmd', 'c'),
      image: fc.constant('busybox'),
      resources: fc.option(fc.record({ requests: fc.option(resourceList, { nil: undefined }), limits: fc.option(resourceList, { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined }),
      securityContext: fc.option(fc.record({ privileged: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
      volumeMounts: fc.option(fc.uniqueArray(fc.constantFrom(...volumeNames), { maxLength: 2 }).map((ns) => ns.map((n) => ({ name: n, mountPath: `/${n}` }))), { nil: undefined }),
    }, { requiredKeys: ['name', 'image'] });
    const volume = fc.tuple(fc.constantFrom(...volumeNames), fc.oneof(
      fc.constant({ emptyDir: {} }),
      fc.constantFrom('/dev/sgx_enclave', '/dev', '/', '/var/log', '/run/epc', '/var/run/epc', '/dev/shm', '/var/run/aesmd', '/proc/1/root', '/dev/char/10:125', '/sys/fs/cgroup', '/var/lib/kubelet/device-plugins').map((path) => ({ hostPath: { path } })),
    )).map(([name, src]) => ({ name, ...src }));
    const annotations = fc.option(fc.dictionary(fc.constantFrom('sgx.intel.com/quote-provider', EPC, 'admissions.enforcer/disabled', 'sgx-epc-enforcer.io/require-enforcement', 'team'), fc.constantFrom('aesmd', 'a', 'true', '8388608', 'yes'), { maxKeys: 3 }), { nil: undefined });
    const podArb = fc.record({
      annotations,
      containers: fc.array(container, { minLength: 1, maxLength: 2 }),
      initContainers: fc.option(fc.array(container, { maxLength: 2 }), { nil: undefined }),
      ephemeralContainers: fc.option(fc.array(container.map((x) => ({ ...x, resources: undefined })), { maxLength: 1 }), { nil: undefined }),
      volumes: fc.option(fc.uniqueArray(volume, { maxLength: 3, selector: (v) => v.name }), { nil: undefined }),
      hostPID: fc.option(fc.boolean(), { nil: undefined }),
    }).map(({ annotations: a, ...spec }) => pod(JSON.parse(JSON.stringify(spec)), a)); // JSON: drop undefined like the API server's JSON
    const caseArb = fc.tuple(podArb, fc.constantFrom<'create' | 'update' | 'debug'>('create', 'update', 'debug'), annotations).map(([p, op, oldAnn]): Case => {
      if (op === 'create') return { name: 'generated', operation: 'CREATE', object: p };
      const old = structuredClone(p) as any;
      if (oldAnn) old.metadata.annotations = oldAnn;
      else delete old.metadata.annotations;
      if (op === 'debug') delete old.spec.ephemeralContainers;
      return { name: 'generated', operation: 'UPDATE', subResource: op === 'debug' ? 'ephemeralcontainers' : undefined, object: p, oldObject: old };
    });
    const objs = renders[0].objs;
    let acted = 0;
    fc.assert(
      fc.property(caseArb, (k) => {
        if (acts('validate', k, CONFIGS[1])) acted++;
        const problems = checkAgreement(objs, [k], CONFIGS);
        if (problems.length > 0) throw new Error(`${problems.join('; ')}\npod: ${JSON.stringify(k)}`);
      }),
      { numRuns: 400, seed: 15 },
    );
    expect(acted).toBeGreaterThan(100); // the generator reaches the rules
  });

  it('custom resource names: one chart value renders them into the expression, and the webhook configured with them agrees', async () => {
    const names = { epc: 'example.com/epc', enclave: 'example.com/enclave', provision: 'example.com/provision' };
    const objs = await helmTemplate({ resourceNames: names });
    const cfgFile = (all(objs, 'ConfigMap').find((o) => o.metadata.name.endsWith('-webhook'))!.data['webhook.yaml'] as string);
    const { parse: parseYaml } = await import('yaml');
    const file = parseYaml(cfgFile) as WebhookConfigFile;
    expect(file.resourceNames).toEqual(names);
    const config = resolveWebhookConfig(file);
    const cases: Case[] = [
      { name: 'custom EPC', operation: 'CREATE', object: pod({ containers: [c('a', res({ 'example.com/epc': '8Mi' }))] }) },
      { name: 'custom enclave without EPC', operation: 'CREATE', object: pod({ containers: [c('a', res({ 'example.com/enclave': '1' }))] }) },
      { name: "Intel's EPC name is just a resource here", operation: 'CREATE', object: pod({ containers: [c('a', res({ [EPC]: '8Mi' }))] }) },
    ];
    expect(checkAgreement(objs, cases, [config])).toEqual([]);
    const conds = conditionsOf(objs).get('ValidatingWebhookConfiguration/validate.sgx-epc-enforcer.io')!;
    expect(cases.map((k) => calls('Validating', conds, k))).toEqual([true, true, false]);
    expect(acts('validate', cases[2], config)).toBe(false);
  });

  it("AKS's admissions enforcer stays on (its namespace exclusions keep AKS's add-on pods off a Fail webhook); aks.admissionsEnforcerOptOut opts out", async () => {
    const optOut = (objs: K8sObject[]) => [...all(objs, 'MutatingWebhookConfiguration'), ...all(objs, 'ValidatingWebhookConfiguration')].map((o) => o.metadata.annotations?.['admissions.enforcer/disabled']);
    expect(optOut(renders.find((r) => r.name === 'deploy/overlays/aks')!.objs)).toEqual([undefined, undefined]);
    expect(optOut(await helmTemplate({ mode: 'enforce-only', aks: { enabled: true } }))).toEqual([undefined, undefined]);
    expect(optOut(await helmTemplate({ mode: 'enforce-only', aks: { enabled: true, admissionsEnforcerOptOut: true } }))).toEqual(['true', 'true']);
  });
});
