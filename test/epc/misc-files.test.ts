import { describe, expect, it } from 'vitest';
import { kstrtou64, parseMaxWrite } from '../../src/epc/misc-files.js';
import { bareEnclave, cg, newModel, ok, read, run } from './model-helpers.js';

const MAX_U64 = 18446744073709551615n;

describe('misc.* files: formats', () => {
  it.each([
    { name: 'root misc.capacity', path: '/', file: 'misc.capacity', value: 'sgx_epc 4194304\n' },
    { name: 'root misc.current', path: '/', file: 'misc.current', value: 'sgx_epc 16384\n' },
    { name: 'root misc.peak', path: '/', file: 'misc.peak', value: 'sgx_epc 16384\n' },
    { name: 'child misc.max default', path: '/A', file: 'misc.max', value: 'sgx_epc max\n' },
    { name: 'child misc.current in bytes', path: '/A', file: 'misc.current', value: 'sgx_epc 16384\n' },
    { name: 'child misc.peak in bytes', path: '/A', file: 'misc.peak', value: 'sgx_epc 16384\n' },
    { name: 'child misc.events', path: '/A', file: 'misc.events', value: 'sgx_epc.max 0\n' },
    { name: 'child misc.events.local', path: '/A', file: 'misc.events.local', value: 'sgx_epc.max 0\n' },
  ])('$name reads "$value"', ({ path, file, value }) => {
    const m = newModel([{ path: '/A' }]);
    bareEnclave(m, 'b', '/A', 4);
    expect(read(m, path, file)).toBe(value);
  });

  it.each([
    { name: 'root has no misc.max', path: '/', file: 'misc.max' },
    { name: 'root has no misc.events', path: '/', file: 'misc.events' },
    { name: 'root has no misc.events.local', path: '/', file: 'misc.events.local' },
    { name: 'a child has no misc.capacity', path: '/A', file: 'misc.capacity' },
    { name: 'unknown file', path: '/A', file: 'misc.nope' },
    { name: 'prototype key is not a file', path: '/A', file: 'constructor' },
  ])('$name: read and write are ENOENT', ({ path, file }) => {
    const m = newModel([{ path: '/A' }]);
    const [r, w] = run(m, [
      { op: 'read', cgroup: path, file },
      { op: 'write', cgroup: path, file, value: 'sgx_epc 4096' },
    ]);
    expect(r.result).toBe('ENOENT');
    expect(w.result).toBe('ENOENT');
  });

  it.each(['misc.current', 'misc.peak', 'misc.events', 'misc.events.local'])('writing read-only %s is EINVAL', (file) => {
    const m = newModel([{ path: '/A' }]);
    expect(run(m, [{ op: 'write', cgroup: '/A', file, value: 'sgx_epc 4096' }])[0].result).toBe('EINVAL');
  });

  it('unknown cgroup is ENOENT for read and write', () => {
    const m = newModel();
    expect(run(m, [{ op: 'read', cgroup: '/nope', file: 'misc.current' }])[0].result).toBe('ENOENT');
    expect(run(m, [{ op: 'write', cgroup: '/nope', file: 'misc.max', value: 'sgx_epc 1' }])[0].result).toBe('ENOENT');
  });
});

describe('misc.max writes (misc_cg_max_write + kstrtou64 base 0)', () => {
  it.each([
    { name: 'decimal', value: 'sgx_epc 8192', reads: 'sgx_epc 8192\n', limit: 2 },
    { name: 'hex 0x1000', value: 'sgx_epc 0x1000', reads: 'sgx_epc 4096\n', limit: 1 },
    { name: 'upper-case 0X', value: 'sgx_epc 0X2000', reads: 'sgx_epc 8192\n', limit: 2 },
    { name: 'octal 010', value: 'sgx_epc 010', reads: 'sgx_epc 8\n', limit: 0 },
    { name: 'leading +', value: 'sgx_epc +12288', reads: 'sgx_epc 12288\n', limit: 3 },
    { name: 'not page aligned stores bytes, limit floors', value: 'sgx_epc 10000', reads: 'sgx_epc 10000\n', limit: 2 },
    { name: 'max keyword', value: 'sgx_epc max', reads: 'sgx_epc max\n', limit: Infinity },
    { name: 'U64_MAX prints max', value: `sgx_epc ${MAX_U64}`, reads: 'sgx_epc max\n', limit: Infinity },
    { name: 'surrounding whitespace and newline', value: '  sgx_epc 4096\n', reads: 'sgx_epc 4096\n', limit: 1 },
    { name: 'zero', value: 'sgx_epc 0', reads: 'sgx_epc 0\n', limit: 0 },
  ])('$name: "$value" reads back "$reads"', ({ value, reads, limit }) => {
    const m = newModel([{ path: '/A' }]);
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value });
    expect(read(m, '/A', 'misc.max')).toBe(reads);
    // The effective limit: pages that fit in a bare enclave before the first event.
    ok(m, { op: 'create', enclave: 'b', cgroup: '/A', bare: true });
    const n = Number.isFinite(limit) ? limit : 5;
    const r = run(m, [{ op: 'add', enclave: 'b', pages: n + 1 }])[0];
    if (Number.isFinite(limit)) {
      expect(cg(m, '/A').events).toBe(1);
      expect(r.result).toBe(limit === 0 ? 'ENOMEM' : 'ok');
    } else expect(cg(m, '/A')).toMatchObject({ events: 0, current: n + 1 });
  });

  it.each([
    { name: 'unknown resource', value: 'foo 1', errno: 'EINVAL' },
    { name: 'resource only (missing value)', value: 'sgx_epc', errno: 'EINVAL' },
    { name: 'resource and trailing space only', value: 'sgx_epc ', errno: 'EINVAL' },
    { name: 'empty', value: '', errno: 'EINVAL' },
    { name: 'two spaces', value: 'sgx_epc  4096', errno: 'EINVAL' },
    { name: 'tab separator', value: 'sgx_epc\t4096', errno: 'EINVAL' },
    { name: 'negative', value: 'sgx_epc -1', errno: 'EINVAL' },
    { name: 'suffix not allowed', value: 'sgx_epc 4Ki', errno: 'EINVAL' },
    { name: 'bad octal digit', value: 'sgx_epc 08', errno: 'EINVAL' },
    { name: 'bare 0x', value: 'sgx_epc 0x', errno: 'EINVAL' },
    { name: 'MAX upper-case', value: 'sgx_epc MAX', errno: 'EINVAL' },
    { name: 'resource name is case-sensitive', value: 'SGX_EPC 4096', errno: 'EINVAL' },
    { name: 'u64 overflow by one', value: 'sgx_epc 18446744073709551616', errno: 'ERANGE' },
    { name: 'hex overflow', value: 'sgx_epc 0x10000000000000000', errno: 'ERANGE' },
    { name: 'huge decimal', value: `sgx_epc ${'9'.repeat(40)}`, errno: 'ERANGE' },
  ])('$name ("$value") is $errno and stores nothing', ({ value, errno }) => {
    const m = newModel([{ path: '/A', max: 7 }]);
    expect(run(m, [{ op: 'write', cgroup: '/A', file: 'misc.max', value }])[0].result).toBe(errno);
    expect(read(m, '/A', 'misc.max')).toBe(`sgx_epc ${7 * 4096}\n`);
  });

  it.each([
    { s: '0', v: 0n },
    { s: '0x1000', v: 4096n },
    { s: '0777', v: 511n },
    { s: '4096\n', v: 4096n },
    { s: '18446744073709551615', v: MAX_U64 },
    { s: '0xffffffffffffffff', v: MAX_U64 },
    { s: '12ab', v: 'EINVAL' },
    { s: '', v: 'EINVAL' },
    { s: '+', v: 'EINVAL' },
    { s: '0x1g', v: 'EINVAL' },
    { s: '99999999999999999999x', v: 'ERANGE' },
  ])('kstrtou64("$s") = $v', ({ s, v }) => {
    expect(kstrtou64(s)).toBe(v);
  });

  it('parseMaxWrite splits at the first space only', () => {
    expect(parseMaxWrite('sgx_epc max')).toBe(MAX_U64);
    expect(parseMaxWrite('sgx_epc 1 2')).toBe('EINVAL');
  });

  it('writing a max below current only stores it: no reclaim, no event, no work queued', () => {
    const m = newModel([{ path: '/A' }]);
    bareEnclave(m, 'b', '/A', 100);
    const before = m.snapshot();
    const r = m.apply({ op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc 4096' });
    expect(r.result).toBe('ok');
    expect(r.cost.evicted).toBe(0);
    expect(m.hasPendingWork()).toBe(false);
    expect(m.ksgxdPending()).toBe(false);
    expect(m.snapshot().cgroups['/A']).toEqual({ ...before.cgroups['/A'], max: '4096' });
    expect(read(m, '/A', 'misc.current')).toBe(`sgx_epc ${100 * 4096}\n`);
  });
});
