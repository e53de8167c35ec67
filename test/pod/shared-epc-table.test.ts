/**
 * One table of quantities and pods, run against both sides that act on a pod's EPC: the
 * webhook (through its real /mutate decision, reading the annotation it writes) and the agent
 * (the limit decision its PreStart and reconciler apply). Both call src/pod; this table keeps
 * them from drifting apart again: the same bytes, or both refuse the pod.
 */
import { describe, expect, it } from 'vitest';
import { decidePodLimit } from '../../src/agent/limit-decision.js';
import { parseByteQuantity } from '../../src/pod/quantity.js';
import { handleAdmission } from '../../src/webhook/admission-handler.js';
import { resolveWebhookConfig } from '../../src/webhook/config.js';
import { EPC_ANNOTATION } from '../../src/webhook/review-pod.js';

const EPC = 'sgx.intel.com/epc';
const ENCLAVE = 'sgx.intel.com/enclave';
const Ki = 1024n;
const Mi = Ki * Ki;
const config = resolveWebhookConfig();

type Amount = string | number;
interface C {
  epc?: Amount;
  limitOnly?: boolean;
  sidecar?: boolean;
}
function container(name: string, c: C) {
  const res: Record<string, Record<string, Amount>> = c.epc === undefined ? {} : c.limitOnly ? { limits: { [EPC]: c.epc, [ENCLAVE]: 1 } } : { requests: { [EPC]: c.epc, [ENCLAVE]: 1 }, limits: { [EPC]: c.epc, [ENCLAVE]: 1 } };
  return { name, resources: res, ...(c.sidecar ? { restartPolicy: 'Always' } : {}) };
}
function pod(app: C[], init: C[] = [], overhead?: Amount) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'tenant', uid: '0b7c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4' },
    spec: {
      containers: app.map((c, i) => container(`a${i}`, c)),
      initContainers: init.map((c, i) => container(`i${i}`, c)),
      ...(overhead !== undefined ? { overhead: { [EPC]: overhead } } : {}),
    },
  };
}

/** Expected: the pod's EPC in bytes, or refused by both (the rule the webhook names). */
type Want = bigint | { refused: 'epc-invalid' | 'epc-not-positive' };

const QUANTITIES: Array<[Amount, Want]> = [
  ['64Mi', 64n * Mi],
  ['16384', 16n * Ki],
  [65536, 64n * Ki],
  ['1Gi', 1n << 30n],
  ['1.5Mi', 3n * Mi / 2n],
  ['.5Mi', Mi / 2n],
  ['1.Mi', Mi],
  ['+8Mi', 8n * Mi],
  ['1e6', 1_000_000n],
  ['1E6', 1_000_000n],
  ['2M', 2_000_000n],
  ['16384000m', 16n * Ki],
  ['000016Ki', 16n * Ki],
  // the stricter of the two former rule sets
  [' 64Mi', { refused: 'epc-invalid' }],
  ['64Mi ', { refused: 'epc-invalid' }],
  ['Mi', { refused: 'epc-invalid' }],
  ['.', { refused: 'epc-invalid' }],
  ['1e401', { refused: 'epc-invalid' }],
  ['1e-401', { refused: 'epc-invalid' }],
  ['16384.5', { refused: 'epc-invalid' }],
  ['1m', { refused: 'epc-invalid' }],
  ['0', { refused: 'epc-not-positive' }],
  ['0Mi', { refused: 'epc-not-positive' }],
  ['-64Mi', { refused: 'epc-not-positive' }],
  ['64MB', { refused: 'epc-invalid' }],
  ['64mi', { refused: 'epc-invalid' }],
  ['lots', { refused: 'epc-invalid' }],
  ['9'.repeat(129), { refused: 'epc-invalid' }],
];

const PODS: Array<[string, ReturnType<typeof pod>, Want]> = [
  ...QUANTITIES.map(([q, want]): [string, ReturnType<typeof pod>, Want] => [`one container, ${JSON.stringify(q).slice(0, 24)}`, pod([{ epc: q }]), want]),
  ['app containers are summed', pod([{ epc: '10Mi' }, { epc: '6Mi' }, {}]), 16n * Mi],
  ['a limit alone is the request', pod([{ epc: '8Mi', limitOnly: true }]), 8n * Mi],
  ['an init container bigger than the apps wins', pod([{ epc: '4Mi' }], [{ epc: '32Mi' }]), 32n * Mi],
  ['apps bigger than an init container win', pod([{ epc: '40Mi' }], [{ epc: '32Mi' }]), 40n * Mi],
  ['a sidecar adds to the apps', pod([{ epc: '4Mi' }], [{ epc: '2Mi', sidecar: true }]), 6n * Mi],
  ['an init after a sidecar needs both', pod([{ epc: '4Mi' }], [{ epc: '2Mi', sidecar: true }, { epc: '10Mi' }]), 12n * Mi],
  ['an init before a sidecar does not', pod([{ epc: '4Mi' }], [{ epc: '10Mi' }, { epc: '2Mi', sidecar: true }]), 10n * Mi],
  ['sidecars accumulate', pod([], [{ epc: '3Mi', sidecar: true }, { epc: '5Mi', sidecar: true }, { epc: '1Mi' }]), 9n * Mi],
  ['overhead is added', pod([{ epc: '10Mi' }], [], '1Mi'), 11n * Mi],
  ['zero overhead', pod([{ epc: '10Mi' }], [], '0'), 10n * Mi],
  ['junk overhead refuses the pod', pod([{ epc: '10Mi' }], [], 'x'), { refused: 'epc-invalid' }],
  ['negative overhead refuses the pod', pod([{ epc: '10Mi' }], [], '-1Mi'), { refused: 'epc-not-positive' }],
  ['one unusable container refuses the pod', pod([{ epc: '10Mi' }, { epc: '1.5' }]), { refused: 'epc-invalid' }],
  ['zero in an init container refuses the pod', pod([{ epc: '10Mi' }], [{ epc: '0' }]), { refused: 'epc-not-positive' }],
];

function review(object: unknown) {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'tenant', operation: 'CREATE', object } };
}

/** What the webhook decides: the EPC it annotates (as bytes), or the rule it denies by. */
function webhookSays(p: unknown): { bytes: bigint } | { denied: string } {
  const body = handleAdmission('mutate', review(p), config).body as { response: { allowed: boolean; patch?: string; status?: { message?: string } } };
  const r = body.response;
  if (!r.allowed) return { denied: /\[rule ([a-z-]+)\]/.exec(r.status?.message ?? '')?.[1] ?? `?? ${r.status?.message}` };
  const ops = JSON.parse(Buffer.from(r.patch ?? '', 'base64').toString('utf8') || '[]') as Array<{ path: string; value: unknown }>;
  const key = EPC_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1');
  const op = ops.find((o) => o.path === `/metadata/annotations/${key}`) ?? ops.find((o) => o.path === '/metadata/annotations' || o.path === '/metadata');
  const value = op?.path.endsWith(key) ? op.value : (op?.value as { annotations?: Record<string, unknown> } | Record<string, unknown> | undefined);
  const text = typeof value === 'string' ? value : ((value as { annotations?: Record<string, unknown> })?.annotations ?? (value as Record<string, unknown>))?.[EPC_ANNOTATION];
  const parsed = parseByteQuantity(text);
  if (!parsed.ok) throw new Error(`webhook annotation ${JSON.stringify(text)} ${parsed.reason}`);
  return { bytes: parsed.bytes };
}

describe('one EPC table, the webhook and the agent agree', () => {
  it.each(PODS)('%s', (_name, p, want) => {
    const hook = webhookSays(p);
    const agent = decidePodLimit(p, { enforce: true });
    if (typeof want === 'bigint') {
      expect(hook).toEqual({ bytes: want });
      expect(agent).toMatchObject({ ok: true, max: Number(want), requestBytes: want });
    } else {
      expect(hook).toEqual({ denied: want.refused });
      expect(agent.ok).toBe(false);
      if (!agent.ok) expect(agent.reason).toMatch(/spec\.(containers|initContainers|overhead)\S*: invalid quantity/);
    }
  });
});
