import { describe, expect, it } from 'vitest';
import { containerAmounts, effectivePodRequest, podEpc } from '../../src/pod/pod-epc.js';
import { podContainers } from '../../src/pod/pod-view.js';

const EPC = 'sgx.intel.com/epc';
const Mi = 1024n * 1024n;
type C = { name: string; epc?: string; limitOnly?: boolean; sidecar?: boolean };
function container(c: C) {
  const res = c.epc === undefined ? {} : c.limitOnly ? { limits: { [EPC]: c.epc } } : { requests: { [EPC]: c.epc }, limits: { [EPC]: c.epc } };
  return { name: c.name, resources: res, ...(c.sidecar ? { restartPolicy: 'Always' } : {}) };
}
function pod(app: C[], init: C[] = [], overhead?: string) {
  return { spec: { containers: app.map(container), initContainers: init.map(container), ...(overhead ? { overhead: { [EPC]: overhead } } : {}) } };
}

describe('podEpc: scheduler semantics (component-helpers PodRequests)', () => {
  const cases: Array<[string, unknown, bigint | undefined]> = [
    ['one app container', pod([{ name: 'a', epc: '10Mi' }]), 10n * Mi],
    ['app containers sum', pod([{ name: 'a', epc: '10Mi' }, { name: 'b', epc: '6Mi' }, { name: 'c' }]), 16n * Mi],
    ['limit only counts as the request (defaulting)', pod([{ name: 'a', epc: '8Mi', limitOnly: true }]), 8n * Mi],
    ['init larger than apps wins', pod([{ name: 'a', epc: '4Mi' }], [{ name: 'i', epc: '32Mi' }]), 32n * Mi],
    ['apps larger than init win', pod([{ name: 'a', epc: '40Mi' }], [{ name: 'i', epc: '32Mi' }]), 40n * Mi],
    ['sidecar adds to apps', pod([{ name: 'a', epc: '4Mi' }], [{ name: 's', epc: '2Mi', sidecar: true }]), 6n * Mi],
    ['init after a sidecar needs its request plus the sidecar', pod([{ name: 'a', epc: '4Mi' }], [{ name: 's', epc: '2Mi', sidecar: true }, { name: 'i', epc: '10Mi' }]), 12n * Mi],
    ['init before a sidecar does not add it', pod([{ name: 'a', epc: '4Mi' }], [{ name: 'i', epc: '10Mi' }, { name: 's', epc: '2Mi', sidecar: true }]), 10n * Mi],
    ['sidecars accumulate', pod([], [{ name: 's1', epc: '3Mi', sidecar: true }, { name: 's2', epc: '5Mi', sidecar: true }, { name: 'i', epc: '1Mi' }]), 9n * Mi],
    ['overhead is added', pod([{ name: 'a', epc: '10Mi' }], [], '1Mi'), 11n * Mi],
    ['no EPC at all', pod([{ name: 'a' }]), 0n],
    ['an unusable quantity makes the total undefined', pod([{ name: 'a', epc: 'lots' }]), undefined],
    ['junk shapes are tolerated', { spec: { containers: [null, 3, { name: 'x', resources: { requests: 'no' } }] } }, 0n],
  ];
  for (const [name, p, want] of cases) {
    it(name, () => {
      const r = podEpc(p, EPC);
      expect(r.ok ? r.bytes : undefined).toBe(want);
    });
  }
});

describe('effectivePodRequest matches amounts to containers', () => {
  const p = pod([{ name: 'a', epc: '4Mi' }, { name: 'b' }], [{ name: 's', epc: '2Mi', sidecar: true }, { name: 'i', epc: '10Mi' }]);
  const want = 12n * Mi; // max(init i + sidecar s, apps a + sidecar s)

  it('amounts of the same container list (walked in order)', () => {
    const containers = podContainers(p);
    expect(effectivePodRequest(containers, containerAmounts(p, EPC, containers), 0n)).toBe(want);
  });

  it('amounts of another list of the same pod, in any order (matched by pointer)', () => {
    const amounts = containerAmounts(p, EPC, podContainers(p));
    expect(effectivePodRequest(podContainers(p), amounts, 0n)).toBe(want);
    expect(effectivePodRequest(podContainers(p), [...amounts].reverse(), 1n)).toBe(want + 1n);
  });

  it('a subset of the amounts counts only those', () => {
    const containers = podContainers(p);
    const amounts = containerAmounts(p, EPC, containers);
    expect(effectivePodRequest(containers, amounts.filter((a) => a.container.name !== 'i'), 0n)).toBe(6n * Mi);
    expect(effectivePodRequest(containers, [...amounts].reverse().filter((a) => a.container.name !== 'a'), 0n)).toBe(12n * Mi);
  });
});

describe('podEpc names what makes a pod\'s EPC unusable', () => {
  const cases: Array<[string, unknown, { field: string; rule: string; reason: RegExp }]> = [
    ['junk in an app container', pod([{ name: 'a', epc: '1Mi' }, { name: 'b', epc: 'lots' }]), { field: 'spec.containers[1].resources.requests[sgx.intel.com/epc]', rule: 'epc-invalid', reason: /not a valid quantity/ }],
    ['a limit-only junk amount names the limit', pod([{ name: 'a', epc: '1.5', limitOnly: true }]), { field: 'spec.containers[0].resources.limits[sgx.intel.com/epc]', rule: 'epc-invalid', reason: /whole number of bytes/ }],
    ['zero in an init container', pod([{ name: 'a', epc: '1Mi' }], [{ name: 'i', epc: '0' }]), { field: 'spec.initContainers[0].resources.requests[sgx.intel.com/epc]', rule: 'epc-not-positive', reason: /zero/ }],
    ['negative overhead', pod([{ name: 'a', epc: '1Mi' }], [], '-1Mi'), { field: 'spec.overhead[sgx.intel.com/epc]', rule: 'epc-not-positive', reason: /negative/ }],
    ['junk overhead', pod([{ name: 'a', epc: '1Mi' }], [], '??'), { field: 'spec.overhead[sgx.intel.com/epc]', rule: 'epc-invalid', reason: /not a valid quantity/ }],
  ];
  for (const [name, p, want] of cases) {
    it(name, () => {
      const r = podEpc(p, EPC);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect({ field: r.field, rule: r.rule }).toEqual({ field: want.field, rule: want.rule });
        expect(r.reason).toMatch(want.reason);
      }
    });
  }

  it('zero overhead is fine (a RuntimeClass without EPC overhead)', () => {
    expect(podEpc(pod([{ name: 'a', epc: '1Mi' }], [], '0'), EPC)).toMatchObject({ ok: true, bytes: Mi });
  });
});
