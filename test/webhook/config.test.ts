import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebhookConfig, loadWebhookConfigFile, resolveWebhookConfig, WebhookConfigError } from '../../src/webhook/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'epc-webhook-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, text: string) {
  const f = join(dir, name);
  await writeFile(f, text);
  return loadWebhookConfigFile(f);
}

describe('webhook configuration', () => {
  it('defaults: Intel resource names, kube-system excluded, default policy, no maximum', () => {
    const c = resolveWebhookConfig();
    expect(c).toEqual(defaultWebhookConfig());
    expect(c.maxPodEpcBytes).toBeUndefined();
  });

  it('reads YAML and JSON; flags override the file', async () => {
    const y = await load('c.yaml', 'policy: strict\nmaxPodEpc: 256Mi\nexcludedNamespaces: [kube-system, epc-system]\ndeviceHostPaths: [/dev/sgx_enclave/]\ncontrollerSocketDirs: [/srv/epc//]\nresourceNames:\n  epc: example.com/epc\n');
    const c = resolveWebhookConfig(y);
    expect(c.policy).toBe('strict');
    expect(c.maxPodEpcBytes).toBe(256n * 1024n * 1024n);
    expect(c.excludedNamespaces).toEqual(['kube-system', 'epc-system']);
    expect(c.deviceHostPaths).toEqual(['/dev/sgx_enclave']);
    expect(c.controllerSocketDirs).toEqual(['/srv/epc']);
    expect(resolveWebhookConfig().controllerSocketDirs).toEqual(['/var/run/epc']);
    expect(resolveWebhookConfig().deviceHostPaths).toContain('/dev/sgx_vepc');
    expect(c.resourceNames).toEqual({ epc: 'example.com/epc', enclave: 'sgx.intel.com/enclave', provision: 'sgx.intel.com/provision' });
    const j = await load('c.json', JSON.stringify({ policy: 'strict', maxPodEpc: 1048576 }));
    const f = resolveWebhookConfig(j, { policy: 'default', maxPodEpc: '2Mi', excludedNamespaces: ['ops'] });
    expect(f.policy).toBe('default');
    expect(f.maxPodEpcBytes).toBe(2n * 1024n * 1024n);
    expect(f.excludedNamespaces).toEqual(['ops']);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['unknown field', 'polcy: strict\n', /: polcy: Unrecognized key/],
    ['bad policy', 'policy: lenient\n', /: policy: Invalid option/],
    ['bad quantity', 'maxPodEpc: lots\n', /: maxPodEpc: quantity "lots" is not a valid quantity/],
    ['zero quantity', 'maxPodEpc: "0"\n', /: maxPodEpc: quantity "0" is zero/],
    ['relative host path', 'deviceHostPaths: [dev/sgx]\n', /: deviceHostPaths\.0: must be an absolute path/],
    ['relative socket dir', 'controllerSocketDirs: [var/run/epc]\n', /: controllerSocketDirs\.0: must be an absolute path/],
    ['bad namespace', 'excludedNamespaces: [Kube_System]\n', /: excludedNamespaces\.0: must be a DNS label/],
    ['bad resource name', 'resourceNames: {epc: epc}\n', /: resourceNames\.epc: must be a domain-prefixed resource name/],
    ['not a mapping', '- a\n- b\n', /\(root\)/],
    ['not YAML', 'policy: [unclosed\n', /not valid YAML/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects a config file with ${name}, naming the field`, async () => {
      const err = await load(`bad-${name.replace(/ /g, '-')}.yaml`, text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebhookConfigError);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('rejects a missing file and a bad flag', async () => {
    await expect(loadWebhookConfigFile(join(dir, 'nope.yaml'))).rejects.toThrow(/cannot read/);
    expect(() => resolveWebhookConfig({}, { policy: 'lax' })).toThrow(/policy: Invalid option/);
    expect(() => resolveWebhookConfig({}, { maxPodEpc: '-1Mi' })).toThrow(/maxPodEpc: quantity "-1Mi" is negative/);
  });
});
