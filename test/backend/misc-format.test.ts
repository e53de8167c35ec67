import { describe, expect, it } from 'vitest';
import { normalizeCgroupPath } from '../../src/backend/normalize-cgroup-path.js';
import { sortPreOrder } from '../../src/contracts/cgroup-path.js';
import { formatSgxMax, parseSgxBytes, parseSgxEvents, parseSgxMax } from '../../src/backend/misc-format.js';
import { parseCosts } from '../../src/controller/parse-costs.js';

describe('misc file formats', () => {
  it.each([
    ['capacity among other resources', parseSgxBytes, 'sev 509\nsev_es 0\nsgx_epc 4194304\n', 4194304],
    ['current', parseSgxBytes, 'sgx_epc 0\n', 0],
    ['absent resource', parseSgxBytes, 'sev 0\n', undefined],
    ['garbage value', parseSgxBytes, 'sgx_epc lots\n', undefined],
    ['max unlimited', parseSgxMax, 'sgx_epc max\n', 'max'],
    ['max bytes', parseSgxMax, 'sev max\nsgx_epc 65536\n', 65536],
    ['events', parseSgxEvents, 'sev.max 3\nsgx_epc.max 7\n', 7],
    ['events absent', parseSgxEvents, 'sev.max 3\n', undefined],
  ] as const)('parses %s', (_n, fn, text, want) => {
    expect((fn as (t: string) => unknown)(text)).toBe(want);
  });

  it('formats misc.max writes', () => {
    expect(formatSgxMax('max')).toBe('sgx_epc max');
    expect(formatSgxMax(8192)).toBe('sgx_epc 8192');
  });
});

describe('cgroup paths', () => {
  it.each([
    ['kubepods/burstable/pod1', '/kubepods/burstable/pod1'],
    ['/kubepods.slice/kubepods-pod1_2.slice/', '/kubepods.slice/kubepods-pod1_2.slice'],
    ['/', '/'],
  ])('normalizes %s', (input, want) => expect(normalizeCgroupPath(input)).toBe(want));

  it.each(['', '//', 'a//b', '../x', 'a/./b', 'a b', 'a\nb'])('rejects %j with EINVAL', (p) => {
    expect(() => normalizeCgroupPath(p)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('sorts in pre-order with siblings by name', () => {
    expect(sortPreOrder(['/a-c', '/a/b', '/a', '/b', '/a/a'])).toEqual(['/a', '/a/a', '/a/b', '/a-c', '/b']);
  });
});

describe('parseCosts (--costs)', () => {
  it.each([
    ['key=value list', 'evictCycles=1000,ghz=2', { costs: { evictCycles: 1000, ghz: 2 } }],
    ['JSON', '{"reloadCycles":5,"einitCycles":0}', { costs: { reloadCycles: 5, einitCycles: 0 } }],
    ['an unknown key', 'fooCycles=1', { error: expect.stringContaining('"fooCycles"') }],
    ['a non-number', 'evictCycles=x', { error: expect.stringContaining('evictCycles') }],
    ['zero ghz', 'ghz=0', { error: expect.stringContaining('ghz') }],
    ['bad JSON', '{"ghz":', { error: expect.stringContaining('JSON') }],
  ])('%s', (_n, text, want) => expect(parseCosts(text)).toEqual(want));
});
