import { existsSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATUS_BY_CODE } from '../../src/contracts/controller-api/api-error.js';
import { ControllerApiError } from '../../src/contracts/controller-api/unix-json-client.js';
import { rawRequest, startControllerFixture, type ControllerFixture } from './controller-fixture.js';

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (e: unknown) => (e instanceof ControllerApiError ? `${e.status} ${e.code}` : String(e)));
}

describe('control API over control.sock', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await startControllerFixture();
  });
  afterEach(async () => {
    await f.stop();
  });

  it('maps every errno to one HTTP status in one table', () => {
    expect(STATUS_BY_CODE).toEqual({ EINVAL: 400, ERANGE: 400, ENOENT: 404, EPERM: 403, EEXIST: 409, EBUSY: 409, E2BIG: 413, ENOMEM: 507, ENOSYS: 404, EIO: 500 });
  });

  it('reports node capacity and root misc.capacity in the kernel format', async () => {
    expect(await f.control.node()).toMatchObject({ capacityBytes: 4194304, capacityPages: 1024, freePages: 1024 });
    expect(await f.control.readFile('/', 'misc.capacity')).toBe('sgx_epc 4194304\n');
  });

  it('mkdir/rmdir like cgroupfs: EEXIST, missing parent ENOENT, mkdir -p, rmdir of a parent EBUSY', async () => {
    expect(await f.control.mkdir('/A')).toBe(true);
    expect(await code(f.control.mkdir('/A'))).toBe('409 EEXIST');
    expect(await code(f.control.mkdir('/X/Y'))).toBe('404 ENOENT');
    expect(await f.control.mkdir('/X/Y', { parents: true })).toBe(true);
    expect(await f.control.mkdir('X/Y/', { parents: true })).toBe(false);
    expect(await f.control.listCgroups()).toEqual(['/A', '/X', '/X/Y']);
    expect(await f.control.listCgroups('/X')).toEqual(['/X/Y']);
    expect(await code(f.control.rmdir('/X'))).toBe('409 EBUSY');
    await f.control.rmdir('/X/Y');
    await f.control.rmdir('/X');
    expect(await code(f.control.rmdir('/X'))).toBe('404 ENOENT');
    expect(await code(f.control.rmdir('/'))).toBe('409 EBUSY');
    expect(await f.control.listCgroups()).toEqual(['/A']);
  });

  it('reads and writes misc files in the kernel formats (conformance scenario 1)', async () => {
    await f.control.mkdir('/A');
    expect(await f.control.readFile('/A', 'misc.max')).toBe('sgx_epc max\n');
    expect(await f.control.readFile('/A', 'misc.current')).toBe('sgx_epc 0\n');
    expect(await f.control.readFile('/A', 'misc.events')).toBe('sgx_epc.max 0\n');
    await f.control.writeFile('/A', 'misc.max', 'sgx_epc 10000');
    expect(await f.control.readFile('/A', 'misc.max')).toBe('sgx_epc 10000\n');
    expect(await f.control.stats('/A')).toMatchObject({ path: '/A', max: 10000, current: 0, peak: 0, events: 0 });
    expect(await code(f.control.writeFile('/A', 'misc.max', 'foo 1'))).toBe('400 EINVAL');
    expect(await code(f.control.writeFile('/A', 'misc.max', 'sgx_epc 999999999999999999999999'))).toBe('400 ERANGE');
    expect(await code(f.control.readFile('/', 'misc.max'))).toBe('404 ENOENT');
    expect(await code(f.control.readFile('/nope', 'misc.max'))).toBe('404 ENOENT');
    expect(await code(f.control.stats('/nope'))).toBe('404 ENOENT');
  });

  it('binds slots only to existing cgroups and drops bindings when the cgroup goes', async () => {
    expect(await code(f.control.bind('enclave-0', '/A'))).toBe('404 ENOENT');
    await f.control.mkdir('/A/B', { parents: true });
    await f.control.bind('enclave-0', '/A/B');
    await f.control.bind('enclave-1', '/A');
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-0', path: '/A/B' }, { slot: 'enclave-1', path: '/A' }]);
    await f.control.rmdir('/A/B');
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-1', path: '/A' }]);
    expect(await f.control.unbind('enclave-1')).toBe(true);
    expect(await f.control.unbind('enclave-1')).toBe(false);
  });

  it('pod-cgroup makes the cgroup (mkdir -p), writes misc.max and binds and serves the slots in one request', async () => {
    const pod = '/kubepods/burstable/pod1';
    expect(await f.control.podCgroup(pod, 16384, ['enclave-0', 'enclave-1'])).toEqual({ path: pod, created: true, max: 16384, slots: ['enclave-0', 'enclave-1'], instance: f.controller.state.instance });
    expect(await f.control.listCgroups()).toEqual(['/kubepods', '/kubepods/burstable', pod]);
    expect(await f.control.readFile(pod, 'misc.max')).toBe('sgx_epc 16384\n');
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-0', path: pod }, { slot: 'enclave-1', path: pod }]);
    expect(existsSync(f.controller.slotSocket('enclave-0'))).toBe(true);
    // A container restart: the same request again creates nothing; a new max replaces the old.
    expect(await f.control.podCgroup('kubepods/burstable/pod1/', 'max', ['enclave-0'])).toEqual({ path: pod, created: false, max: 'max', slots: ['enclave-0'], instance: f.controller.state.instance });
    expect(await f.control.readFile(pod, 'misc.max')).toBe('sgx_epc max\n');
    // A slot of a gone pod reused by a new pod moves to the new cgroup.
    await f.control.podCgroup('/kubepods/burstable/pod2', 4096, ['enclave-1']);
    expect(await f.control.bindings()).toEqual([{ slot: 'enclave-0', path: pod }, { slot: 'enclave-1', path: '/kubepods/burstable/pod2' }]);
  });

  it('GET /v1/instance answers the controller instance as one line and holds the response until the controller stops', async () => {
    const other = await startControllerFixture();
    try {
      expect(other.controller.state.instance).not.toBe(f.controller.state.instance);
    } finally {
      await other.stop();
    }
    const got = await new Promise<{ status: number; type?: string; line: string; res: IncomingMessage }>((resolve, reject) => {
      const req = request({ socketPath: f.controller.controlSocket, path: '/v1/instance' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text.includes('\n')) resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], line: text, res });
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect([got.status, got.type, JSON.parse(got.line)]).toEqual([200, 'application/x-ndjson', { instance: f.controller.state.instance }]);
    const ended = new Promise((r) => got.res.once('close', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(got.res.complete).toBe(false);
    await f.controller.stop();
    await ended;
    expect(got.res.complete).toBe(false);
  });

  it('pod-cgroup is all or nothing: a slot whose socket cannot be served leaves cgroups, misc.max and bindings as they were', async () => {
    await f.control.mkdir('/old');
    await f.control.bind('enclave-0', '/old');
    await f.control.mkdir('/kept');
    await f.control.writeFile('/kept', 'misc.max', 'sgx_epc 8192');
    await writeFile(join(f.dir, 'slots', 'enclave-9'), 'not a directory'); // the slot's socket directory cannot be made
    for (const path of ['/new/pod', '/kept']) {
      const err = await f.control.podCgroup(path, 4096, ['enclave-0', 'enclave-9']).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ControllerApiError);
      expect(err).toMatchObject({ status: 500, code: 'EIO', field: 'slots.1' });
      expect(await f.control.listCgroups()).toEqual(['/kept', '/old']);
      expect(await f.control.readFile('/kept', 'misc.max')).toBe('sgx_epc 8192\n');
      expect(await f.control.bindings()).toEqual([{ slot: 'enclave-0', path: '/old' }]);
    }
    expect(existsSync(f.controller.slotSocket('enclave-0'))).toBe(true);
  });

  it.each([
    ['body is not JSON', 'POST', '/v1/mkdir', '{"path":', 400, 'body'],
    ['missing path', 'POST', '/v1/mkdir', '{}', 400, 'path'],
    ['path of the wrong type', 'POST', '/v1/mkdir', '{"path":42}', 400, 'path'],
    ['escaping path', 'POST', '/v1/mkdir', '{"path":"/a/../../etc"}', 400, 'path'],
    ['unknown field', 'POST', '/v1/mkdir', '{"path":"/a","mode":"0755"}', 400, undefined],
    ['parents not a boolean', 'POST', '/v1/mkdir', '{"path":"/a","parents":"yes"}', 400, 'parents'],
    ['unknown misc file', 'POST', '/v1/file', '{"path":"/a","file":"memory.max","value":"1"}', 400, 'file'],
    ['value too long', 'POST', '/v1/file', JSON.stringify({ path: '/a', file: 'misc.max', value: 'x'.repeat(300) }), 400, 'value'],
    ['a JSON array body', 'POST', '/v1/bind', '[1,2]', 400, 'body'],
    ['bad slot id', 'POST', '/v1/bind', '{"slot":"a/b","path":"/"}', 400, 'slot'],
    ['pod-cgroup without max', 'POST', '/v1/pod-cgroup', '{"path":"/p","slots":[]}', 400, 'max'],
    ['pod-cgroup with a negative max', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":-1,"slots":[]}', 400, 'max'],
    ['pod-cgroup with a fractional max', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":1.5,"slots":[]}', 400, 'max'],
    ['pod-cgroup with a word for max', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":"lots","slots":[]}', 400, 'max'],
    ['pod-cgroup of the root', 'POST', '/v1/pod-cgroup', '{"path":"/","max":4096,"slots":[]}', 400, 'path'],
    ['pod-cgroup with an escaping path', 'POST', '/v1/pod-cgroup', '{"path":"/a/../..","max":4096,"slots":[]}', 400, 'path'],
    ['pod-cgroup with slots not a list', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":4096,"slots":"enclave-0"}', 400, 'slots'],
    ['pod-cgroup with a bad slot id', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":4096,"slots":["enclave-0","../x"]}', 400, 'slots.1'],
    ['pod-cgroup with a slot twice', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":4096,"slots":["enclave-0","enclave-0"]}', 400, 'slots'],
    ['pod-cgroup with too many slots', 'POST', '/v1/pod-cgroup', JSON.stringify({ path: '/p', max: 4096, slots: Array.from({ length: 65 }, (_, i) => `enclave-${i}`) }), 400, 'slots'],
    ['pod-cgroup with an unknown field', 'POST', '/v1/pod-cgroup', '{"path":"/p","max":4096,"slots":[],"uid":"x"}', 400, undefined],
    ['query without path', 'GET', '/v1/stats', undefined, 400, 'path'],
    ['query with a bad file', 'GET', '/v1/file?path=/&file=../../etc/passwd', undefined, 400, 'file'],
    ['a body too large', 'POST', '/v1/mkdir', JSON.stringify({ path: '/a', pad: 'x'.repeat(70_000) }), 413, 'body'],
    ['an unknown route', 'GET', '/v1/nothing', undefined, 404, undefined],
    ['a wrong method', 'DELETE', '/v1/mkdir', undefined, 404, undefined],
  ])('rejects %s with a clear error and keeps working', async (_name, method, path, body, status, field) => {
    await f.control.mkdir('/keep');
    const r = await rawRequest(f.controller.controlSocket, method, path, body);
    expect(r.status).toBe(status);
    expect(r.json.error.message).toEqual(expect.any(String));
    if (field) expect(r.json.error.field).toBe(field);
    expect(await f.control.listCgroups()).toEqual(['/keep']);
    expect((await rawRequest(f.controller.controlSocket, 'GET', '/healthz')).status).toBe(200);
  });
});
