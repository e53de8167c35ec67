import { describe, expect, it } from 'vitest';
import { podRequestBytes } from '../../src/webhook/pod-epc.js';

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

describe('podRequestBytes: scheduler semantics (component-helpers PodRequests)', () => {
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
  for (const [name, p, want] of cases) it(name, () => expect(podRequestBytes(p, EPC)).toBe(want));
});

describe('agrees with src/k8s podEpcRequestBytes (the agent\'s limit = the webhook\'s annotation)', () => {
  it('on every recorded fixture pod and on random valid pods', async () => {
    const { podEpcRequestBytes } = await import('../../src/pod/pod-epc-request.js');
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('./fixtures/', import.meta.url);
    let compared = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const obj = JSON.parse(readFileSync(new URL(f, dir), 'utf8'))?.request?.object;
      if (obj?.kind !== 'Pod') continue;
      const mine = podRequestBytes(obj, EPC);
      if (mine === undefined) continue;
      expect(podEpcRequestBytes(obj), f).toBe(mine);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    const fc = (await import('fast-check')).default;
    const c = fc.record({ name: fc.constant('c'), epc: fc.option(fc.constantFrom('4Ki', '10Mi', '12288', '1e6', '3Gi'), { nil: undefined }), limitOnly: fc.boolean(), sidecar: fc.boolean() });
    fc.assert(
      fc.property(fc.array(c, { maxLength: 4 }), fc.array(c, { maxLength: 4 }), fc.option(fc.constantFrom('1Mi', '4096'), { nil: undefined }), (app, init, overhead) => {
        const p = pod(app, init, overhead);
        expect(podEpcRequestBytes(p as never)).toBe(podRequestBytes(p, EPC));
      }),
      { numRuns: 300 },
    );
  });
});
