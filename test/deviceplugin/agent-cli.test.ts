import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/run-cli.js';
import { Scope } from './fixtures.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

describe('epc agent (device plugin part) as a real child process', () => {
  it('--standalone registers both plugins with the kubelet emulator, logs that enforcement is off, and removes its sockets on SIGTERM', async () => {
    const kubelet = await scope.emulator();
    const child = spawnCli(['agent', '--standalone', '--device-plugin-dir', kubelet.deviceDir, '--enclave-slots', '7', '--provision-slots', '3', '--dev-root', scope.dir()], {
      env: { EPC_LOG_LEVEL: 'info' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      await kubelet.waitForRegistration('sgx.intel.com/enclave', { timeoutMs: 30_000 });
      await kubelet.waitForRegistration('sgx.intel.com/provision', { timeoutMs: 30_000 });
      for (const r of ['sgx.intel.com/enclave', 'sgx.intel.com/provision']) await kubelet.waitFor((e) => e.type === 'list' && e.resourceName === r, { timeoutMs: 10_000 });
      expect(kubelet.resource('sgx.intel.com/enclave')).toMatchObject({ capacity: 7, allocatable: 0, options: { pre_start_required: true } }); // no /dev/sgx_enclave under --dev-root
      expect(kubelet.resource('sgx.intel.com/provision')!.capacity).toBe(3);
      const ready = JSON.parse(stdout.split('\n')[0]);
      expect(ready).toMatchObject({ event: 'ready', mode: 'hardware' });
      for (const s of ready.sockets) expect(existsSync(s)).toBe(true);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(stderr).toMatch(/enforcement is OFF/);
      expect(readdirSync(kubelet.deviceDir)).toEqual(['kubelet.sock']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it.each([
    { name: 'cluster mode without a node name', args: ['agent', '--node-name', ''], msg: /--node-name is required/ },
    { name: 'slots not a number', args: ['agent', '--standalone', '--enclave-slots', 'many'], msg: /--enclave-slots must be a whole number >= 1, got "many"/ },
    { name: 'zero enclave slots', args: ['agent', '--standalone', '--enclave-slots', '0'], msg: /--enclave-slots must be >= 1/ },
    { name: 'too many slots for 4 MiB', args: ['agent', '--standalone', '--enclave-slots', '1000000'], msg: /--enclave-slots 1000000: the ListAndWatch message would be \d+ bytes, over kubelet's 4 MiB/ },
    { name: 'bad resource name', args: ['agent', '--standalone', '--enclave-resource', 'Enclave'], msg: /--enclave-resource: resource name "Enclave"/ },
    { name: 'missing plugin dir', args: ['agent', '--standalone', '--device-plugin-dir', '/nonexistent/epc-dp'], msg: /--device-plugin-dir \/nonexistent\/epc-dp does not exist/ },
  ])('exits 2 with a clear message: $name', async ({ args, msg }) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('lists every flag in --help', async () => {
    const r = await runCli(['agent', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--device-plugin-dir', '--dev-root', '--enclave-slots', '--provision-slots', '--enclave-resource', '--provision-resource', '--model-socket', '--standalone']) expect(r.stdout).toContain(f);
  });
});
