import { afterEach, describe, expect, it } from 'vitest';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { startControllerFixture, type ControllerFixture } from './controller-fixture.js';

const PAGE = 4096;

describe('controller metrics and caller delay', () => {
  let f: ControllerFixture | undefined;
  let c: EnclaveClient | undefined;
  afterEach(async () => {
    c?.close();
    c = undefined;
    await f?.stop();
    f = undefined;
  });

  it('exposes per-cgroup paging counters that follow the model, and drops series of removed cgroups', async () => {
    f = await startControllerFixture({ metricsAddr: '127.0.0.1:0' });
    await f.control.mkdir('/pod');
    await f.control.writeFile('/pod', 'misc.max', `sgx_epc ${32 * PAGE}`);
    await f.control.bind('enclave-0', '/pod');
    c = new EnclaveClient(f.controller.slotSocket('enclave-0'), 'enclave-0');
    await c.create({ name: 'w', bare: true });
    await c.add('w', 64);
    await c.access('w', [[0, 63]]);
    await f.controller.state.rt.idle();
    const st = await f.control.stats('/pod');
    expect(st.evicted).toBeGreaterThan(0);
    expect(st.reloaded).toBeGreaterThan(0);
    const scrape = async () => (await fetch(`http://${f!.controller.metricsAddress()}/metrics`)).text();
    let text = await scrape();
    expect(text).toContain(`epc_cgroup_evicted_pages_total{cgroup="/pod"} ${st.evicted}`);
    expect(text).toContain(`epc_cgroup_reloaded_pages_total{cgroup="/pod"} ${st.reloaded}`);
    expect(text).toContain(`epc_cgroup_max_events_total{cgroup="/pod"} ${st.events}`);
    expect(text).toContain(`epc_cgroup_peak_bytes{cgroup="/pod"} ${st.peak}`);
    expect(text).toContain(`epc_cgroup_max_bytes{cgroup="/pod"} ${32 * PAGE}`);
    expect(text).toMatch(/^epc_cgroup_max_bytes\{cgroup="\/"\} \+Inf$/m);
    expect(text).toContain(`epc_evicted_pages_total ${(await f.control.node()).evicted}`);
    await f.control.destroyEnclaves('/pod');
    await f.control.rmdir('/pod');
    text = await scrape();
    expect(text).not.toContain('cgroup="/pod"');
    expect(text).toMatch(/^epc_node_free_bytes 4194304$/m);
  });

  it('delays the faulting caller by the simulated cost times the scale', async () => {
    // EINIT = 50k cycles at 3 GHz ~ 16.7 µs; x1000 ~ 16.7 ms of real delay before the reply.
    f = await startControllerFixture({ costScale: 1000 });
    await f.control.mkdir('/pod');
    await f.control.bind('enclave-0', '/pod');
    c = new EnclaveClient(f.controller.slotSocket('enclave-0'), 'enclave-0');
    await c.create({ name: 'e' });
    await c.add('e', 1);
    const r = await c.init('e');
    expect(r.einits).toBe(1);
    expect(r.simulatedNs).toBeGreaterThan(0);
    expect(r.delayNs).toBeGreaterThan(0);
  });
});
