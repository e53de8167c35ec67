import { status } from '@grpc/grpc-js';
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSgxPlugins } from '../../src/deviceplugin/sgx/start-sgx-plugins.js';
import { call, rawPluginClient, Scope } from './fixtures.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

async function plugin() {
  const root = scope.dir('epc-devroot-');
  mkdirSync(join(root, 'dev'));
  writeFileSync(join(root, 'dev', 'sgx_enclave'), '');
  const dir = scope.dir();
  const plugins = scope.add(await startSgxPlugins({ pluginDir: dir, devRoot: root, enclaveSlots: 4, provisionSlots: 2 }));
  return { enclave: plugins.plugins[0], provision: plugins.plugins[1] };
}

const CASES: { name: string; method: string; req: unknown; code: status; msg: RegExp; on?: 'provision' }[] = [
  { name: 'Allocate without container requests', method: 'Allocate', req: {}, code: status.INVALID_ARGUMENT, msg: /container_requests is empty/ },
  { name: 'Allocate with empty IDs', method: 'Allocate', req: { container_requests: [{ devices_ids: [] }] }, code: status.INVALID_ARGUMENT, msg: /container_requests\[0\]\.devices_ids is empty/ },
  { name: 'Allocate with an empty string ID', method: 'Allocate', req: { container_requests: [{ devices_ids: [''] }] }, code: status.INVALID_ARGUMENT, msg: /unknown device ID ""/ },
  { name: 'Allocate with garbage IDs', method: 'Allocate', req: { container_requests: [{ devices_ids: ['\u0000\uffff', '../../etc', 'x'.repeat(5000)] }] }, code: status.INVALID_ARGUMENT, msg: /unknown device IDs/ },
  { name: 'Allocate with one bad container among good', method: 'Allocate', req: { container_requests: [{ devices_ids: ['enclave-1'] }, { devices_ids: ['nope'] }] }, code: status.INVALID_ARGUMENT, msg: /container_requests\[1\]\.devices_ids: unknown device ID "nope"/ },
  { name: 'PreStart with no IDs', method: 'PreStartContainer', req: {}, code: status.INVALID_ARGUMENT, msg: /devices_ids is empty/ },
  { name: 'PreStart on provision (not advertised)', method: 'PreStartContainer', req: { devices_ids: ['provision-0'] }, code: status.UNIMPLEMENTED, msg: /not supported/, on: 'provision' },
  { name: 'Preferred with zero size', method: 'GetPreferredAllocation', req: { container_requests: [{ available_deviceIDs: ['enclave-0'], allocation_size: 0 }] }, code: status.INVALID_ARGUMENT, msg: /allocation_size 0/ },
  { name: 'Preferred with size over available', method: 'GetPreferredAllocation', req: { container_requests: [{ available_deviceIDs: ['enclave-0'], allocation_size: 3 }] }, code: status.INVALID_ARGUMENT, msg: /allocation_size 3/ },
  { name: 'Preferred with unknown must-include', method: 'GetPreferredAllocation', req: { container_requests: [{ available_deviceIDs: ['enclave-0'], must_include_deviceIDs: ['zz'], allocation_size: 1 }] }, code: status.INVALID_ARGUMENT, msg: /must_include_deviceIDs: unknown device ID "zz"/ },
];

describe('malformed requests never crash the plugin', () => {
  it('answers every malformed call with a clear status and keeps serving', async () => {
    const { enclave, provision } = await plugin();
    const clients = { enclave: rawPluginClient(enclave.socketPath), provision: rawPluginClient(provision.socketPath) };
    try {
      for (const c of CASES) {
        const { err } = await call(clients[c.on ?? 'enclave'], c.method, c.req);
        expect(err?.code, c.name).toBe(c.code);
        expect(err?.details, c.name).toMatch(c.msg);
      }
      const ok = await call(clients.enclave, 'Allocate', { container_requests: [{ devices_ids: ['enclave-3'] }] });
      expect(ok.res.container_responses[0].envs).toEqual({ EPC_ENCLAVE_SLOT: 'enclave-3' });
    } finally {
      clients.enclave.close();
      clients.provision.close();
    }
  });

  it.each([
    { name: 'plain text', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') },
    { name: 'random bytes', bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)) },
    { name: 'HTTP/2 preface then garbage frame', bytes: Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 8, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8])]) },
  ])('survives raw $name on its socket', async ({ bytes }) => {
    const { enclave } = await plugin();
    await new Promise<void>((resolve) => {
      const s = connect(enclave.socketPath, () => s.end(bytes));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
    const client = rawPluginClient(enclave.socketPath);
    try {
      const { res } = await call(client, 'GetDevicePluginOptions', {});
      expect(res).toEqual({ pre_start_required: true, get_preferred_allocation_available: true });
    } finally {
      client.close();
    }
  });

  it('a plugin with a throwing allocator answers the error, not a crash', async () => {
    const kubelet = await scope.emulator();
    const p = scope.plugin(kubelet.deviceDir, { allocator: { allocate: () => { throw new Error('allocator exploded'); } } });
    await p.start();
    const client = rawPluginClient(p.socketPath);
    try {
      const { err } = await call(client, 'Allocate', { container_requests: [{ devices_ids: ['a'] }] });
      expect(err?.details).toBe('allocator exploded');
      expect((await call(client, 'GetDevicePluginOptions', {})).res).toBeDefined();
    } finally {
      client.close();
    }
  });
});
