/**
 * `epc agent` as a real process on a node whose kernel has no sgx_epc (a temp dir laid out like
 * cgroupfs with `misc.capacity` listing only `sev`): with --enforce false it is an observe-only
 * agent (containers start, /readyz 200 and says why nothing is bound); enforcing, every EPC pod
 * start is refused naming the kernel and the way out, and /readyz is 503. `--epc-backend auto`
 * there, without a controller socket, picks neither backend and says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCgroupfs } from '../backend/fake-cgroupfs.js';
import { AgentStack, eventually, NODE } from './agent-stack.js';

const LABEL = 'sgx-epc-enforcer.io/epc-enforced';

const ADVICE = 'this kernel cannot hold pods to their EPC; run a node image whose kernel has the sgx_epc misc cgroup, or set the chart value agent.enforce=auto (flag --enforce auto) to start pods without limits on nodes that lack it';
/** Where pods start anyway (--enforce auto/false) the advice stops before "set auto". */
const ADVICE_STARTING = 'this kernel cannot hold pods to their EPC; run a node image whose kernel has the sgx_epc misc cgroup';

let s: AgentStack;
let cg: FakeCgroupfs;
let emptySocketDir: string;

beforeAll(async () => {
  cg = await FakeCgroupfs.create({ capacityBytes: 0, sgxEpc: false });
  emptySocketDir = await mkdtemp(join(tmpdir(), 'epc-nosock-'));
  s = await AgentStack.start({ agentArgs: ['--epc-backend', 'cgroupfs', '--cgroup-root', cg.root, '--enforce', 'false'] });
}, 300_000);

afterAll(async () => {
  await s?.stop();
  await cg?.destroy();
  await rm(emptySocketDir, { recursive: true, force: true });
});

async function readyz(): Promise<{ status: number; body: string }> {
  const r = await s.fetch('/readyz');
  return { status: r.status, body: await r.text() };
}

/** /readyz once the informer listed pods (the plugin registered before startAgent returned). */
async function settledReadyz(): Promise<{ status: number; body: string }> {
  return (await eventually(async () => {
    const r = await readyz();
    return r.body.includes('[+] informer') ? r : undefined;
  }, 10_000))!;
}

async function restartAgent(args: string[]): Promise<Record<string, unknown>> {
  await s.stopAgent('SIGTERM');
  const agent = await s.startAgent(args);
  return JSON.parse(agent.stdout.split('\n').find((l) => l.includes('"event":"ready"'))!);
}

async function unboundCount(): Promise<number> {
  const m = /epc_enforcement_duration_seconds_count\{result="unbound"\} (\d+)/.exec(await (await s.fetch('/metrics')).text());
  return m ? Number(m[1]) : 0;
}

describe('epc agent on a kernel without the EPC cgroup (real processes, fake cgroupfs)', { timeout: 300_000 }, () => {
  it('--enforce false: observe-only - the container starts unbound, /readyz 200 naming why, counted as result "unbound"', async () => {
    await s.runPod('observed', '64Mi');
    const start = s.starts.find((x) => x.pod === 'default/observed');
    expect(start).toMatchObject({ container: 'c0', boundTo: null });
    expect(await unboundCount()).toBe(1);
    const r = await settledReadyz();
    expect(r.status).toBe(200);
    expect(r.body).toContain(`[+] backend: observe-only (--enforce=false), EPC pods start without a cgroup binding: kernel has no sgx_epc misc cgroup (${cg.root}/misc.capacity) - ${ADVICE_STARTING}\n`);
    expect(await cg.port.listDirs(cg.root)).toEqual([]);
  });

  it('--enforce auto (the default): observe-only - starts unbound, /readyz 200, Node condition SgxEpcEnforced False and label false, gauge 0', async () => {
    const ready = await restartAgent(['--epc-backend', 'cgroupfs', '--cgroup-root', cg.root]);
    expect(ready).toMatchObject({ backend: 'cgroupfs', enforce: 'auto', enforced: false, reason: 'NoEpcController' });
    expect(s.agent!.stderr()).toMatch(/observe-only \(--enforce=auto, no EPC controller\): EPC pods start unlimited: kernel has no sgx_epc/);
    await s.runPod('auto-unbound', '64Mi');
    expect(s.starts.find((x) => x.pod === 'default/auto-unbound')).toMatchObject({ container: 'c0', boundTo: null });
    const r = await settledReadyz();
    expect(r.status).toBe(200);
    expect(r.body).toContain('[+] backend: observe-only (--enforce=auto), EPC pods start without a cgroup binding: kernel has no sgx_epc misc cgroup');
    expect(r.body).toContain('[+] enforcement: observe-only (--enforce=auto, no EPC controller): EPC pods start unlimited');
    const node = await eventually(() => { const n = s.api.getNode(NODE); return n?.metadata?.labels?.[LABEL] ? n : undefined; }, 10_000);
    expect(node?.metadata?.labels?.[LABEL]).toBe('false');
    expect(node?.status?.conditions?.find((c: any) => c.type === 'SgxEpcEnforced')).toMatchObject({ status: 'False', reason: 'NoEpcController', message: expect.stringContaining('observe-only (--enforce=auto') });
    expect(await (await s.fetch('/metrics')).text()).toMatch(/^epc_node_enforced\{reason="NoEpcController"\} 0$/m);
    expect(await cg.port.listDirs(cg.root)).toEqual([]);
  });

  it('--enforce true: the start is refused naming the pod, the kernel and the way out; /readyz 503', async () => {
    const ready = await restartAgent(['--epc-backend', 'cgroupfs', '--cgroup-root', cg.root, '--enforce', 'true']);
    expect(ready).toMatchObject({ backend: 'cgroupfs', enforce: 'true', epcController: expect.stringContaining('kernel has no sgx_epc misc cgroup') });
    await expect(s.runPod('refused', '64Mi')).rejects.toThrow(`epc agent refused to start pod default/refused (container c0): kernel has no sgx_epc misc cgroup (${cg.root}/misc.capacity) - ${ADVICE}`);
    expect(s.starts.find((x) => x.pod === 'default/refused')).toBeUndefined();
    const r = await settledReadyz();
    expect(r.status).toBe(503);
    expect(r.body).toContain(`[-] backend: kernel has no sgx_epc misc cgroup (${cg.root}/misc.capacity) - ${ADVICE}`);
  });

  it('--epc-backend auto without sgx_epc and without a controller socket: no EPC controller; --enforce true refuses naming both, --enforce false observes', async () => {
    const sock = join(emptySocketDir, 'control.sock');
    const ready = await restartAgent(['--epc-backend', 'auto', '--cgroup-root', cg.root, '--controller-socket-dir', emptySocketDir, '--advertise=false', '--enforce=true']);
    expect(ready).toMatchObject({ backend: 'none', enforce: 'true' });
    const why = `kernel has no sgx_epc misc cgroup (${cg.root}/misc.capacity) and no epc controller socket (${sock}) - ${ADVICE}`;
    await expect(s.runPod('auto-refused', '64Mi')).rejects.toThrow(`epc agent refused to start pod default/auto-refused (container c0): ${why}`);
    expect((await settledReadyz()).status).toBe(503);
    expect(s.agent!.stderr()).toMatch(/epc backend auto: no sgx_epc in .*misc.capacity and no controller socket .*control.sock -> no EPC controller/);

    const observed = await restartAgent(['--epc-backend', 'auto', '--cgroup-root', cg.root, '--controller-socket-dir', emptySocketDir, '--enforce=false']);
    expect(observed).toMatchObject({ backend: 'none', enforce: 'false' });
    await s.runPod('auto-observed', '64Mi');
    expect(s.starts.find((x) => x.pod === 'default/auto-observed')).toMatchObject({ boundTo: null });
    const r = await settledReadyz();
    expect(r.status).toBe(200);
    expect(r.body).toContain(`[+] backend: observe-only (--enforce=false), EPC pods start without a cgroup binding: ${why.replace(ADVICE, ADVICE_STARTING)}\n`);
  });
});
