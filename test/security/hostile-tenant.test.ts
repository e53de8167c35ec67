/**
 * A hostile tenant on a model node (issue 11): real `epc controller` and `epc agent` processes, the
 * kubelet emulator and the API server double (AgentStack). The tenant holds only what its
 * container gets: the slot directory Allocate mounted (its own enclave.sock). It names every slot
 * and guesses enclave IDs, sends oversized, malformed, idle and slow requests. After each attack
 * its neighbour's misc.current, misc.max, enclaves and paging counters are unchanged, and
 * control.sock and PreStart still answer. No timing thresholds: "answered OK", never "within X ms".
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFilesLimit } from '../../src/controller/connection-limits.js';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { AgentStack, ENCLAVE, eventually } from '../agent/agent-stack.js';
import { rawRequest } from '../controller/controller-fixture.js';
import { runCli } from '../helpers/run-cli.js';

const MI = 1024 * 1024;
const PAGE = 4096;

let s: AgentStack;
/** The tenant's and the neighbour's view: slot, cgroup, and the host path of the socket their container got. */
interface Pod { name: string; slot: string; cgroup: string; socket: string }
let tenant: Pod;
let neighbour: Pod;
let neighbourEnclave: string;
let probes = 0;

async function admit(name: string, epc: string): Promise<Pod> {
  const pod = s.createPod(name, epc);
  const admitted = await s.kubelet.admitPod(pod);
  const res = admitted.containers[0].responses.get(ENCLAVE)!;
  // The container gets exactly one mount: its own slot's directory at /var/run/epc.
  expect(res.mounts).toHaveLength(1);
  expect(res.mounts![0].container_path).toBe('/var/run/epc');
  expect(res.envs).toMatchObject({ EPC_ENCLAVE_SOCKET: '/var/run/epc/enclave.sock' });
  const slot = res.envs!.EPC_ENCLAVE_SLOT;
  expect(res.mounts![0].host_path).toBe(join(s.ctlDir, 'slots', slot));
  return { name, slot, cgroup: `/kubepods/besteffort/pod${pod.metadata.uid}`, socket: join(res.mounts![0].host_path, 'enclave.sock') };
}

/** Everything of the neighbour an attack must not change. */
async function neighbourState() {
  const [stats, max, enclaves, bindings] = await Promise.all([
    s.control.stats(neighbour.cgroup),
    s.control.readFile(neighbour.cgroup, 'misc.max'),
    s.control.enclaves(neighbour.cgroup),
    s.control.bindings(),
  ]);
  return { stats, max, enclaves, binding: bindings.find((b) => b.slot === neighbour.slot) };
}
let baseline: Awaited<ReturnType<typeof neighbourState>>;

/** The neighbour is untouched, control.sock answers, and (when asked) a new pod still starts bound. */
async function intact(o: { preStart?: boolean } = {}): Promise<void> {
  expect(await neighbourState()).toEqual(baseline);
  expect((await s.control.node()).capacityPages).toBe((256 * MI) / PAGE);
  if (o.preStart) {
    const name = `probe-${++probes}`;
    const pod = await s.runPod(name, '1Mi');
    const start = s.starts.find((x) => x.pod === `default/${name}`);
    expect(start?.boundTo).toBe(`/kubepods/besteffort/pod${pod.metadata.uid}`);
    s.deletePod(name);
  }
}

/** A request over the tenant's own socket (what its container can send). */
const send = (method: string, path: string, body?: string) => rawRequest(tenant.socket, method, path, body);

beforeAll(async () => {
  s = await AgentStack.start({ capacity: '256Mi' });
  neighbour = await admit('neighbour', '32Mi');
  tenant = await admit('tenant', '4Mi');
  expect(tenant.slot).not.toBe(neighbour.slot);
  // The neighbour builds a 40Mi enclave in its 32Mi limit (it pages), then goes quiet.
  const n = new EnclaveClient(neighbour.socket, undefined, { timeoutMs: 60_000 });
  const { enclave } = await n.create();
  neighbourEnclave = enclave;
  await n.add(enclave, (40 * MI) / PAGE);
  await n.init(enclave);
  await n.access(enclave, [[0, 1023]]);
  n.close();
  // Settled: async reclaim done, two reads equal.
  let prev = '';
  await eventually(async () => {
    const now = JSON.stringify(await neighbourState());
    const same = now === prev;
    prev = now;
    return same;
  }, 30_000, 200);
  baseline = await neighbourState();
  expect(baseline.stats.evicted).toBeGreaterThan(0);
  expect(baseline.enclaves).toHaveLength(1);
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

describe('a hostile tenant on a model node', () => {
  it('cannot charge, read, grow or destroy through another slot: every slot it can name is refused', async () => {
    const names = [...Array.from({ length: 16 }, (_, i) => `enclave-${i}`), 'enclave-99', 'provision-0'];
    for (const slot of names.filter((x) => x !== tenant.slot)) {
      const attempts = await Promise.all([
        send('POST', '/v1/enclaves', JSON.stringify({ slot, name: 'stolen' })),
        send('GET', `/v1/slots/${slot}`),
        send('POST', `/v1/enclaves/${neighbourEnclave}/add`, JSON.stringify({ slot, pages: 1024 })),
        send('POST', `/v1/enclaves/${neighbourEnclave}/destroy`, JSON.stringify({ slot })),
        send('GET', `/v1/enclaves/${neighbourEnclave}?slot=${slot}`),
      ]);
      for (const r of attempts) {
        expect(r.status, `${slot}: ${JSON.stringify(r.json)}`).toBe(403);
        expect(r.json.error).toMatchObject({ code: 'EPERM', field: 'slot' });
        expect(JSON.stringify(r.json)).not.toContain(neighbour.cgroup);
      }
    }
    for (const slot of ['..', '.', '../enclave-0', 'enclave-0/x', '', 'x'.repeat(33)]) {
      const r = await send('POST', '/v1/enclaves', JSON.stringify({ slot, name: 'stolen' }));
      expect(r.status).toBe(400);
      expect(r.json.error.field).toBe('slot');
    }
    expect(await s.control.enclaves('/', { recursive: true }).then((es) => es.filter((e) => e.name === 'stolen'))).toEqual([]);
    await intact();
  });

  it('the issue\'s bypass: `epc workload --socket <own> --slot <neighbour\'s>` is refused (exit 2); on its own slot its own 4Mi limit applies', async () => {
    const r = await runCli(['workload', '--socket', tenant.socket, '--slot', neighbour.slot, '--enclave-size', '24Mi', '--working-set', '20Mi', '--duration', '300ms']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--slot ${neighbour.slot} does not match`);
    await intact();
    const own = await runCli(['workload', '--socket', tenant.socket, '--enclave-size', '24Mi', '--working-set', '20Mi', '--duration', '300ms', '--json'], { env: { EPC_ENCLAVE_SLOT: '' }, timeoutMs: 90_000 });
    expect(own.code).toBe(0);
    const rep = JSON.parse(own.stdout);
    expect(rep).toMatchObject({ slot: tenant.slot, cgroup: tenant.cgroup });
    expect(rep.build.evictedInCgroup).toBeGreaterThan(0); // 24Mi in a 4Mi limit: its own cgroup pays
    expect((await s.control.stats(tenant.cgroup)).peak).toBeLessThanOrEqual(4 * MI);
    await intact();
  }, 120_000);

  it('cannot find, read, grow, touch or destroy an enclave it does not own, whatever ID it guesses', async () => {
    const guesses = [neighbourEnclave, ...Array.from({ length: 64 }, (_, i) => `e${i}`), 'workload-1', `${neighbour.slot}`];
    for (const id of guesses) {
      const rs = await Promise.all([
        send('GET', `/v1/enclaves/${id}`),
        send('POST', `/v1/enclaves/${id}/add`, '{"pages":16}'),
        send('POST', `/v1/enclaves/${id}/aug`, '{"pages":16}'),
        send('POST', `/v1/enclaves/${id}/access`, '{"range":[0,0]}'),
        send('POST', `/v1/enclaves/${id}/init`, '{}'),
        send('POST', `/v1/enclaves/${id}/destroy`, '{}'),
      ]);
      for (const r of rs) {
        expect(r.status, `${id}: ${JSON.stringify(r.json)}`).toBe(404);
        expect(r.json.error.code).toBe('ENOENT');
        expect(JSON.stringify(r.json)).not.toContain(neighbour.cgroup);
      }
    }
    for (const id of [`${neighbour.slot}%2F${neighbourEnclave}`, '..%2F..%2Fx', '%2e%2e', 'a%zz']) {
      const r = await send('POST', `/v1/enclaves/${id}/destroy`, '{}');
      expect([400, 404]).toContain(r.status);
    }
    await intact();
  });

  it('learns nothing of other cgroups: its own view only; control routes do not exist on its socket', async () => {
    const self = await send('GET', '/v1/self');
    expect(self.status).toBe(200);
    expect(self.json).toMatchObject({ slot: tenant.slot, cgroup: tenant.cgroup });
    const text = JSON.stringify(self.json);
    expect(text).not.toContain(neighbour.cgroup);
    expect(text).not.toContain(neighbour.slot + '"');
    for (const [m, p] of [['GET', '/v1/bindings'], ['GET', '/v1/snapshot'], ['GET', '/v1/cgroups'], ['GET', `/v1/stats?path=${neighbour.cgroup}`], ['GET', '/v1/enclaves'], ['POST', '/v1/file'], ['POST', '/v1/bind'], ['GET', '/v1/node']] as const) {
      const r = await send(m, p, m === 'POST' ? JSON.stringify({ path: neighbour.cgroup, file: 'misc.max', value: 'max', slot: tenant.slot }) : undefined);
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(r.json.error.code).toBe('ENOSYS');
    }
    await intact();
  });

  it('oversized and malformed requests are refused naming the field; the largest legal request is answered', async () => {
    const create = await send('POST', '/v1/enclaves', '{"name":"mine","bare":true}');
    expect(create.status).toBe(201);
    expect((await send('POST', '/v1/enclaves/mine/add', '{"pages":512}')).status).toBe(200); // 2Mi
    const cases: Array<[string, string, string, number, string]> = [
      ['a body over 64 KiB', '/v1/enclaves/mine/access', JSON.stringify({ ranges: Array.from({ length: 12000 }, () => [0, 1]) }), 413, 'body'],
      ['4097 ranges', '/v1/enclaves/mine/access', JSON.stringify({ ranges: Array.from({ length: 4097 }, () => [0, 0]) }), 400, 'ranges'],
      ['ranges of 2^20 + 256 pages in total', '/v1/enclaves/mine/access', JSON.stringify({ ranges: Array.from({ length: 4097 - 1 }, () => [0, 256]) }), 400, 'ranges'],
      ['a range of 2^20 + 1 pages', '/v1/enclaves/mine/access', JSON.stringify({ range: [0, 1 << 20] }), 400, 'range'],
      ['2^20 + 1 pages to add', '/v1/enclaves/mine/add', JSON.stringify({ pages: (1 << 20) + 1 }), 400, 'pages'],
      ['1e308 pages', '/v1/enclaves/mine/aug', '{"pages":1e308}', 400, 'pages'],
      ['a page count as a string', '/v1/enclaves/mine/add', '{"pages":"10"}', 400, 'pages'],
      ['an unknown field', '/v1/enclaves/mine/add', '{"pages":1,"cgroup":"/"}', 400, 'body'],
      ['not JSON', '/v1/enclaves/mine/init', '{"slot":', 400, 'body'],
      ['a JSON array', '/v1/enclaves', '[1,2]', 400, 'body'],
      ['a range past its enclave', '/v1/enclaves/mine/access', '{"range":[0,99999]}', 400, 'range'],
    ];
    for (const [what, path, body, status, field] of cases) {
      const r = await send('POST', path, body);
      expect(r.status, what).toBe(status);
      expect(r.json.error.field, what).toBe(field);
      if (status === 400 && field === 'ranges') expect(r.json.error.message).toMatch(/4096 ranges|1048576 pages/);
    }
    // Largest legal access: 4096 ranges of 256 pages = 2^20 page touches of its own 512-page enclave.
    const largest = await send('POST', '/v1/enclaves/mine/access', JSON.stringify({ ranges: Array.from({ length: 4096 }, (_, i) => [(i * 256) % 512, ((i * 256) % 512) + 255]) }));
    expect([200, 409]).toContain(largest.status); // ok, or EBUSY after its own reclaim window: answered either way
    expect(largest.json.cgroup).toBe(tenant.cgroup);
    expect((await send('POST', '/v1/enclaves/mine/destroy', '{}')).status).toBe(200);
    await intact({ preStart: true });
  }, 120_000);

  it('a connection flood on its socket is capped; control.sock and PreStart answer during and after', async () => {
    const fdLimit = openFilesLimit() ?? 1024;
    const target = Math.max(1000, Math.min(20_000, fdLimit - 2048));
    const held: Socket[] = [];
    let opened = 0;
    let refused = 0;
    let closedByServer = 0;
    const connectOne = () => new Promise<void>((resolve) => {
      const c = connect(tenant.socket);
      c.on('connect', () => {
        opened++;
        held.push(c);
        resolve();
      });
      c.on('error', () => {
        refused++;
        resolve();
      });
      c.on('close', () => closedByServer++);
    });
    let controlAnswers = 0;
    let flooding = true;
    const controlLoop = (async () => {
      while (flooding) {
        expect((await s.control.node()).capacityPages).toBeGreaterThan(0);
        controlAnswers++;
      }
    })();
    for (let done = 0; done < target; done += 500) await Promise.all(Array.from({ length: Math.min(500, target - done) }, connectOne));
    flooding = false;
    await controlLoop;
    const stillOpen = held.filter((c) => !c.destroyed && c.readyState === 'open').length;
    console.log(`flood: ${target} connects (test process fd limit ${fdLimit}): ${opened} accepted then ${closedByServer} closed by the controller, ${refused} refused; ${stillOpen} open; control.sock answered ${controlAnswers} calls during the flood`);
    expect(controlAnswers).toBeGreaterThan(0);
    await intact({ preStart: true });
    // The tenant's own socket still serves it once it lets go (the flood held only its own share).
    for (const c of held) c.destroy();
    expect(await eventually(async () => (await send('GET', '/v1/self').catch(() => ({ status: 0 }))).status === 200, 30_000)).toBe(true);
    await intact();
  }, 180_000);

  it('slow headers and slow bodies are ended by the controller; nothing changes meanwhile', async () => {
    const slow: Array<Promise<string>> = [];
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < 16; i++) {
      slow.push(new Promise((resolve) => {
        const c = connect(tenant.socket, () => {
          if (i % 2 === 0) c.write('POST /v1/enclaves/x/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"pages":');
          else c.write('GET /v1/self HTTP/1.1\r\nHost: x\r\n');
          timers.push(setInterval(() => c.write(i % 2 === 0 ? ' ' : 'X-Slow: 1\r\n', () => undefined), 500));
        });
        let reply = '';
        c.on('data', (d) => (reply += d));
        c.on('error', () => undefined);
        c.on('close', () => resolve(reply.split('\r\n')[0] || 'closed'));
      }));
    }
    await intact({ preStart: true });
    const ends = await Promise.all(slow);
    for (const t of timers) clearInterval(t);
    console.log(`slow clients ended by the controller: ${JSON.stringify(ends.reduce<Record<string, number>>((m, e) => ({ ...m, [e]: (m[e] ?? 0) + 1 }), {}))}`);
    for (const e of ends) expect(e).toMatch(/408|closed/);
    await intact();
  }, 120_000);
});
