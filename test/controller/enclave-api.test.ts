import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { ControllerApiError } from '../../src/contracts/controller-api/unix-json-client.js';
import { rawRequest, startControllerFixture, type ControllerFixture } from './controller-fixture.js';

const PAGE = 4096;

async function failure(p: Promise<unknown>): Promise<ControllerApiError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ControllerApiError);
  return e as ControllerApiError;
}

describe('enclave API over a slot\'s enclave.sock', () => {
  let f: ControllerFixture;
  const clients: EnclaveClient[] = [];
  const slot = (id: string) => {
    const c = new EnclaveClient(f.controller.slotSocket(id), id);
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    f = await startControllerFixture();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await f.stop();
  });

  it('serves a socket only for a bound slot: none before the bind, removed by the unbind', async () => {
    expect(existsSync(f.controller.slotSocket('enclave-9'))).toBe(false);
    const refused = await slot('enclave-9').create().then(() => undefined, (err: NodeJS.ErrnoException) => err);
    expect(refused?.code).toBe('ENOENT');
    await f.control.mkdir('/pod-a');
    await f.control.bind('enclave-9', '/pod-a');
    expect((await stat(f.controller.slotSocket('enclave-9'))).mode & 0o777).toBe(0o666);
    expect((await slot('enclave-9').self()).cgroup).toBe('/pod-a');
    await f.control.unbind('enclave-9');
    expect(existsSync(f.controller.slotSocket('enclave-9'))).toBe(false);
    expect(existsSync(dirname(f.controller.slotSocket('enclave-9')))).toBe(true); // a mount of the dir stays valid
    expect((await f.control.snapshot()).epc.free).toBe(1024);
  });

  it('builds an enclave charged to the bound cgroup and lists it per cgroup', async () => {
    await f.control.mkdir('/pod-a');
    await f.control.bind('enclave-0', '/pod-a');
    const s = slot('enclave-0');
    const c = await s.create({ name: 'app' });
    expect(c).toMatchObject({ enclave: 'app', cgroup: '/pod-a', result: 'ok' });
    expect((await s.add('app', 40)).done).toBe(40);
    const init = await s.init('app');
    expect(init.einits).toBe(1);
    expect(init.simulatedNs).toBeGreaterThan(0);
    expect(init.delayNs).toBe(0); // cost scale 0
    expect((await s.access('app', [[0, 9], [20, 29]])).done).toBe(20);
    expect((await f.control.stats('/pod-a')).current).toBe((40 + 2) * PAGE); // + SECS + VA
    expect(await f.control.enclaves('/pod-a')).toEqual([{ slot: 'enclave-0', name: 'app', cgroup: '/pod-a', pages: 40, resident: 40 }]);
    expect((await s.self()).enclaves).toEqual([{ name: 'app', cgroup: '/pod-a', pages: 40, resident: 40 }]);
    expect((await failure(s.create({ name: 'app' }))).code).toBe('EEXIST');
    await s.destroy('app');
    expect((await f.control.stats('/pod-a')).current).toBe(0);
    expect((await failure(s.access('app', [[0, 0]]))).code).toBe('ENOENT');
  });

  it('charges the cgroup the slot is bound to now (the model\'s "from"), and slots cannot touch each other\'s enclaves', async () => {
    await f.control.mkdir('/A');
    await f.control.mkdir('/B');
    await f.control.bind('enclave-0', '/A');
    const s = slot('enclave-0');
    await s.create({ name: 'e', bare: true });
    await s.add('e', 10);
    await f.control.bind('enclave-1', '/B');
    const other = await failure(slot('enclave-1').access('e', [[0, 0]]));
    expect(other.code).toBe('ENOENT');
    // The slot passes to another pod: it charges /B now, and the earlier pod's enclave is not its.
    await f.control.bind('enclave-0', '/B');
    const later = slot('enclave-0');
    expect((await failure(later.add('e', 5))).code).toBe('ENOENT');
    await later.create({ name: 'f', bare: true });
    await later.add('f', 5);
    expect((await f.control.stats('/A')).current).toBe(10 * PAGE);
    expect((await f.control.stats('/B')).current).toBe(5 * PAGE);
    expect((await later.self()).enclaves.map((e) => e.name)).toEqual(['f']);
  });

  it('runs async reclaim by itself in real time (scenario 6: 168 adds under max 200 -> 152)', async () => {
    await f.control.mkdir('/A');
    await f.control.writeFile('/A', 'misc.max', `sgx_epc ${200 * PAGE}`);
    await f.control.bind('enclave-0', '/A');
    const s = slot('enclave-0');
    await s.create({ name: 'b', bare: true });
    await s.add('b', 168);
    await f.controller.state.rt.idle(); // nobody asked for a drain: the scheduler ran it
    const st = await f.control.stats('/A');
    expect(st.current).toBe(152 * PAGE);
    expect(st.evicted).toBe(16);
    expect((await f.control.node()).scheduler.workerPages).toBeGreaterThanOrEqual(16);
  });

  /** /P at 64 pages, filled by Q1 (60) and Q2 (4): a fault from Q2 fails at /P, and Q2's own worker
   *  has nothing to do (epc-model.md: "EBUSY forever"), so only a release elsewhere helps. */
  async function ancestorAtLimit() {
    await f.control.mkdir('/P/Q1', { parents: true });
    await f.control.mkdir('/P/Q2');
    await f.control.writeFile('/P', 'misc.max', `sgx_epc ${64 * PAGE}`);
    await f.control.bind('enclave-1', '/P/Q1');
    await f.control.bind('enclave-2', '/P/Q2');
    const q1 = slot('enclave-1');
    const q2 = slot('enclave-2');
    await q1.create({ name: 'big', bare: true });
    await q1.add('big', 60);
    await q2.create({ name: 'small', bare: true });
    await q2.add('small', 4);
    await q2.init('small');
    return { q1, q2 };
  }

  it('retries a fault answered EBUSY inside the request until room appears', async () => {
    await f.stop();
    f = await startControllerFixture({ faultRetryMs: 30_000 }); // generous: the machine may be busy
    const { q1, q2 } = await ancestorAtLimit();
    const aug = q2.aug('small', 1);
    while ((await f.control.stats('/P')).events === 0) await new Promise((r) => setTimeout(r, 2));
    await q1.destroy('big');
    const r = await aug;
    expect(r.done).toBe(1);
    expect(r.busyRetries).toBeGreaterThanOrEqual(1);
    expect((await f.control.stats('/P/Q2')).current).toBe(5 * PAGE);
  });

  it('answers EBUSY (409) with the partial count once the retry window is over', async () => {
    await f.stop();
    f = await startControllerFixture({ faultRetryMs: 100 });
    const { q2 } = await ancestorAtLimit();
    const e = await failure(q2.aug('small', 3));
    expect(e.status).toBe(409);
    expect(e.code).toBe('EBUSY');
    expect(e.body).toMatchObject({ result: 'EBUSY', done: 0 });
    expect(e.body.busyRetries).toBeGreaterThanOrEqual(1);
    expect((await f.control.stats('/P')).events).toBeGreaterThanOrEqual(2);
  });

  it('applies a large add in chunks (other requests interleave) and still counts every page', async () => {
    await f.stop();
    f = await startControllerFixture({ capacityPages: 8192 });
    await f.control.mkdir('/big');
    await f.control.bind('enclave-0', '/big');
    const s = slot('enclave-0');
    await s.create({ name: 'b', bare: true });
    const pending = s.add('b', 5000);
    const other = slot('enclave-0').self();
    expect((await pending).done).toBe(5000);
    expect((await other).cgroup).toBe('/big');
    expect((await s.access('b', [[0, 4999]])).done).toBe(5000);
    expect((await f.control.stats('/big')).current).toBe(5000 * PAGE);
  });

  it('returns ENOMEM (507) with the partial count when nothing is reclaimable', async () => {
    await f.control.mkdir('/tiny');
    await f.control.writeFile('/tiny', 'misc.max', `sgx_epc ${2 * PAGE}`);
    await f.control.bind('enclave-0', '/tiny');
    const s = slot('enclave-0');
    await s.create({ name: 'e' });
    const e = await failure(s.add('e', 5));
    expect(e.status).toBe(507);
    expect(e.code).toBe('ENOMEM');
    expect(e.body.done).toBe(0);
    expect(e.body.result).toBe('ENOMEM');
  });

  it('control API destroys the enclaves of a cgroup; removing the cgroup unbinds its slots', async () => {
    await f.control.mkdir('/pod/c1', { parents: true });
    await f.control.bind('enclave-0', '/pod/c1');
    const s = slot('enclave-0');
    await s.create({ name: 'x' });
    await s.add('x', 8);
    expect(await f.control.destroyEnclaves('/pod')).toEqual(['enclave-0/x']);
    expect((await f.control.stats('/pod')).current).toBe(0);
    await f.control.rmdir('/pod/c1');
    expect(existsSync(f.controller.slotSocket('enclave-0'))).toBe(false);
    expect(await s.create({ name: 'y' }).then(() => 'created', (err: NodeJS.ErrnoException) => err.code)).toMatch(/^(ENOENT|ECONNRESET|EPIPE)$/);
  });

  it.each([
    ['another slot', '/v1/enclaves', '{"slot":"enclave-1"}', 403, 'slot'],
    ['another slot on an op', '/v1/enclaves/e/add', '{"slot":"enclave-1","pages":1}', 403, 'slot'],
    ['a slot of dots', '/v1/enclaves', '{"slot":".."}', 400, 'slot'],
    ['too many ranges', '/v1/enclaves/e/access', JSON.stringify({ ranges: Array.from({ length: 4097 }, () => [0, 0]) }), 400, 'ranges'],
    ['a slot with a slash', '/v1/enclaves', '{"slot":"../x"}', 400, 'slot'],
    ['a bad enclave name', '/v1/enclaves', '{"slot":"enclave-0","name":"a b"}', 400, 'name'],
    ['pages 0', '/v1/enclaves/e/add', '{"slot":"enclave-0","pages":0}', 400, 'pages'],
    ['pages fractional', '/v1/enclaves/e/add', '{"slot":"enclave-0","pages":1.5}', 400, 'pages'],
    ['pages huge', '/v1/enclaves/e/aug', '{"slot":"enclave-0","pages":1e12}', 400, 'pages'],
    ['an inverted range', '/v1/enclaves/e/access', '{"slot":"enclave-0","range":[5,2]}', 400, 'range'],
    ['no range', '/v1/enclaves/e/access', '{"slot":"enclave-0"}', 400, 'range'],
    ['a range past the enclave', '/v1/enclaves/e/access', '{"slot":"enclave-0","range":[0,99]}', 400, 'range'],
    ['a bad range in a list', '/v1/enclaves/e/access', '{"slot":"enclave-0","ranges":[[0,1],[-1,2]]}', 400, 'ranges.1.0'],
    ['an enclave id with spaces', '/v1/enclaves/a%20b/init', '{"slot":"enclave-0"}', 400, 'id'],
    ['not JSON', '/v1/enclaves/e/init', 'slot=enclave-0', 400, 'body'],
  ])('rejects %s with a 4xx naming the field and keeps working', async (_n, path, body, status, field) => {
    await f.control.mkdir('/A');
    await f.control.bind('enclave-0', '/A');
    const s = slot('enclave-0');
    await s.create({ name: 'e' });
    await s.add('e', 4);
    const before = await f.control.snapshot();
    const r = await rawRequest(f.controller.slotSocket('enclave-0'), 'POST', path, body);
    expect(r.status).toBe(status);
    expect(r.json.error.field).toBe(field);
    expect(await f.control.snapshot()).toEqual(before);
    expect((await s.access('e', [[0, 3]])).done).toBe(4);
  });
});
