import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/testbed/api-server/api-status.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../../src/testbed/api-server/patches.js';

const node = () => ({
  metadata: { name: 'n', labels: { a: '1', b: '2' } },
  status: { capacity: { cpu: '4' }, conditions: [{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'False' }], addresses: [{ type: 'Hostname', address: 'n' }] },
});

describe('merge patch (RFC 7386)', () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['adds a map key', { metadata: { labels: { c: '3' } } }, { a: '1', b: '2', c: '3' }],
    ['null deletes a key', { metadata: { labels: { a: null } } }, { b: '2' }],
    ['replaces a value', { metadata: { labels: { a: 'x' } } }, { a: 'x', b: '2' }],
  ];
  it.each(cases)('%s', (_n, patch, labels) => {
    expect(applyMergePatch(node(), patch).metadata.labels).toEqual(labels);
  });
  it('replaces lists wholesale and does not mutate the target', () => {
    const target = node();
    const out = applyMergePatch(target, { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(out.status.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
    expect(target.status.conditions).toHaveLength(2);
  });
});

describe('strategic merge patch', () => {
  it('merges lists with a known merge key by that key', () => {
    const out = applyStrategicMergePatch(node(), { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PIDPressure', status: 'False' }] } });
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'False' },
      { type: 'DiskPressure', status: 'False' },
      { type: 'PIDPressure', status: 'False' },
    ]);
  });
  it('$patch: delete removes a list element; $patch: replace replaces a map', () => {
    const out = applyStrategicMergePatch(node(), {
      metadata: { labels: { $patch: 'replace', z: '9' } },
      status: { conditions: [{ type: 'DiskPressure', $patch: 'delete' }] },
    });
    expect(out.metadata.labels).toEqual({ z: '9' });
    expect(out.status.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
  });
  it('merges maps like capacity and deletes with null', () => {
    const out = applyStrategicMergePatch(node(), { status: { capacity: { 'sgx.intel.com/epc': '1Mi', cpu: null } } });
    expect(out.status.capacity).toEqual({ 'sgx.intel.com/epc': '1Mi' });
  });
  it('a merge-key list element without its key is a 400', () => {
    expect(() => applyStrategicMergePatch(node(), { status: { conditions: [{ status: 'x' }] } })).toThrow(/needs the merge key "type"/);
  });
});

describe('json patch (RFC 6902)', () => {
  const ok: Array<[string, unknown[], (o: any) => unknown, unknown]> = [
    ['add with ~1 escaping', [{ op: 'add', path: '/status/capacity/sgx.intel.com~1epc', value: '1' }], (o) => o.status.capacity, { cpu: '4', 'sgx.intel.com/epc': '1' }],
    ['remove', [{ op: 'remove', path: '/metadata/labels/a' }], (o) => o.metadata.labels, { b: '2' }],
    ['replace', [{ op: 'replace', path: '/metadata/labels/a', value: 'z' }], (o) => o.metadata.labels.a, 'z'],
    ['append to a list with -', [{ op: 'add', path: '/status/addresses/-', value: { type: 'InternalIP', address: '10.0.0.1' } }], (o) => o.status.addresses.length, 2],
    ['move', [{ op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/c' }], (o) => o.metadata.labels, { b: '2', c: '1' }],
    ['copy', [{ op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/d' }], (o) => o.metadata.labels.d, '1'],
    ['test then replace', [{ op: 'test', path: '/status/capacity/cpu', value: '4' }, { op: 'replace', path: '/status/capacity/cpu', value: '8' }], (o) => o.status.capacity.cpu, '8'],
  ];
  it.each(ok)('%s', (_n, patch, pick, want) => {
    expect(pick(applyJsonPatch(node(), patch))).toEqual(want);
  });
  const bad: Array<[string, unknown, number, string]> = [
    ['not an array', {}, 400, 'JSON array'],
    ['missing value', [{ op: 'add', path: '/x' }], 400, 'missing "value"'],
    ['bad pointer', [{ op: 'add', path: 'x', value: 1 }], 400, 'JSON pointer'],
    ['remove a missing path', [{ op: 'remove', path: '/nope/x' }], 422, 'does not exist'],
    ['failed test', [{ op: 'test', path: '/metadata/name', value: 'other' }], 422, 'test operation 0 failed'],
    ['index out of range', [{ op: 'add', path: '/status/addresses/5', value: {} }], 422, 'out of range'],
  ];
  it.each(bad)('%s -> %i', (_n, patch, code, text) => {
    try {
      applyJsonPatch(node(), patch);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).status.code).toBe(code);
      expect((e as ApiError).message).toContain(text);
    }
  });
});
