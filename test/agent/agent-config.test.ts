/** `epc agent` flags -> frozen config (pure, no process): every bad value names its flag. */
import { describe, expect, it } from 'vitest';
import { AGENT_DEFAULTS, buildAgentConfig, type AgentFlags } from '../../src/agent/agent-config.js';
import { parseListenAddr } from '../../src/util/listen-addr.js';
import { durationMsFlag } from '../../src/util/flag-values.js';
import { expectConfigError, expectDeepFrozen } from '../helpers/config-builder.js';

const FLAGS: AgentFlags = { ...AGENT_DEFAULTS, nodeName: 'node-1' };

describe('buildAgentConfig', () => {
  it('defaults parse', () => {
    expect(buildAgentConfig(FLAGS, {})).toMatchObject({
      standalone: false, nodeName: 'node-1', backend: 'auto', epcResource: 'sgx.intel.com/epc', advertise: true, enforce: 'auto', prestartTimeoutMs: 10_000, reconcileIntervalMs: 30_000,
      metricsAddr: { host: '0.0.0.0', port: 9102 }, cgroupRoot: '/sys/fs/cgroup', cgroupDriver: 'auto', controllerSocketDir: '/var/run/epc', podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock',
      plugins: { pluginDir: '/var/lib/kubelet/device-plugins', devRoot: '/', enclaveSlots: 110, provisionSlots: 110, enclaveResource: 'sgx.intel.com/enclave', provisionResource: 'sgx.intel.com/provision', modelSocketDir: undefined },
    });
  });
  it('is frozen, nested objects included', () => {
    const cfg = buildAgentConfig({ ...FLAGS, modelSocket: '/run/epc' }, {});
    expectDeepFrozen(cfg);
    expect(() => {
      (cfg as { nodeName: string }).nodeName = 'other';
    }).toThrow(TypeError);
    expect(() => {
      (cfg.plugins as { enclaveSlots: number }).enclaveSlots = 1;
    }).toThrow(TypeError);
  });
  it('node name from $NODE_NAME', () => {
    expect(buildAgentConfig({ ...FLAGS, nodeName: undefined }, { NODE_NAME: 'from-env' }).nodeName).toBe('from-env');
  });
  it('--model-socket: the dir, or the older <dir>/enclave.sock form', () => {
    expect(buildAgentConfig({ ...FLAGS, modelSocket: '/run/epc' }, {}).plugins.modelSocketDir).toBe('/run/epc');
    expect(buildAgentConfig({ ...FLAGS, modelSocket: '/run/epc/enclave.sock' }, {}).plugins.modelSocketDir).toBe('/run/epc');
  });
  it.each([
    ['--node-name', { nodeName: undefined }, /--node-name is required/],
    ['--node-name', { nodeName: 'Bad_Name' }, /--node-name must be a Kubernetes node name/],
    ['--kubeconfig', { kubeconfig: ' ' }, /--kubeconfig must not be empty/],
    ['--epc-backend', { epcBackend: 'gpu' }, /--epc-backend must be one of auto, model, cgroupfs, got "gpu"/],
    ['--epc-resource', { epcResource: 'epc' }, /--epc-resource: resource name "epc" must look like domain\/name/],
    ['--epc-resource', { epcResource: 'kubernetes.io/epc' }, /--epc-resource: resource name "kubernetes.io\/epc" is reserved/],
    ['--cgroup-driver', { cgroupDriver: 'openrc' }, /--cgroup-driver must be one of auto, systemd, cgroupfs/],
    ['--cgroup-root', { cgroupRoot: '' }, /--cgroup-root must not be empty/],
    ['--advertise', { advertise: 'yes' }, /--advertise must be true or false, got "yes"/],
    ['--enforce', { enforce: 'off' }, /--enforce must be one of auto, true, false, got "off"/],
    ['--pod-resources-socket', { podResourcesSocket: `/${'p'.repeat(120)}.sock` }, /--pod-resources-socket: socket path ".*" is 126 bytes, over the platform's unix socket limit of 107 bytes/],
    ['--pod-resources-socket', { podResourcesSocket: ' ' }, /--pod-resources-socket must not be empty/],
    ['--controller-socket-dir', { controllerSocketDir: `/${'d'.repeat(90)}` }, /--controller-socket-dir: socket path .* over the platform's unix socket limit of 107 bytes; use a shorter path \(the controller's sockets are <dir>\/<name>.sock\)/],
    ['--prestart-timeout', { prestartTimeout: '40s' }, /--prestart-timeout must be between 100 ms and 25000 ms/],
    ['--prestart-timeout', { prestartTimeout: 'soon' }, /--prestart-timeout must be a duration/],
    ['--reconcile-interval', { reconcileInterval: '0s' }, /--reconcile-interval must be between/],
    ['--metrics-addr', { metricsAddr: 'localhost' }, /--metrics-addr must be HOST:PORT/],
    ['--metrics-addr', { metricsAddr: 'h:70000' }, /--metrics-addr must be HOST:PORT/],
    // The device plugins' flags (checked inline by the command before).
    ['--enclave-slots', { enclaveSlots: '0' }, /--enclave-slots must be >= 1, got 0/],
    ['--enclave-slots', { enclaveSlots: '1e3' }, /--enclave-slots must be a whole number >= 1, got "1e3"/],
    ['--enclave-slots', { enclaveSlots: '1000000000' }, /--enclave-slots 1000000000: the ListAndWatch message would be \d+ bytes, over kubelet's 4 MiB .* use at most \d+ slots/],
    ['--provision-slots', { provisionSlots: '-1' }, /--provision-slots must be a whole number >= 0, got "-1"/],
    ['--provision-slots', { provisionSlots: '1000000000' }, /--provision-slots 1000000000: the ListAndWatch message would be/],
    ['--enclave-resource', { enclaveResource: 'enclave' }, /--enclave-resource: resource name "enclave" must look like domain\/name/],
    ['--provision-resource', { provisionResource: 'sgx.intel.com/enclave' }, /--enclave-resource and --provision-resource must differ/],
    ['--dev-root', { devRoot: ' ' }, /--dev-root must not be empty/],
    ['--device-plugin-dir', { devicePluginDir: `/${'x'.repeat(80)}` }, /--device-plugin-dir: socket path .* over the platform's unix socket limit/],
    ['--model-socket', { modelSocket: `/${'x'.repeat(110)}` }, /--model-socket: socket path .* over the platform's unix socket limit/],
  ] as const)('%s: %o', (flag, patch, msg) => {
    expectConfigError(() => buildAgentConfig({ ...FLAGS, ...patch } as AgentFlags, {}), flag, msg);
  });
  it('checks plugin flags without touching the file system (a missing --device-plugin-dir is the entry\'s check)', () => {
    expect(buildAgentConfig({ ...FLAGS, devicePluginDir: '/nonexistent/device-plugins' }, {}).plugins.pluginDir).toBe('/nonexistent/device-plugins');
  });
  it.each([['10s', 10_000], ['500ms', 500], ['1.5s', 1500], ['2m', 120_000], ['3', 3000]])('duration %s = %d ms', (v, ms) => {
    expect(durationMsFlag('--x', v, { min: 0, max: 1e9 })).toBe(ms);
  });
  it.each([['0.0.0.0:9102', { host: '0.0.0.0', port: 9102 }], ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }], ['[::1]:80', { host: '::1', port: 80 }], [':9102', { host: '0.0.0.0', port: 9102 }]])('listen address %s', (a, want) => {
    expect(parseListenAddr(a)).toEqual(want);
  });
  it.each([[true, 'true'], ['true', 'true'], ['false', 'false'], ['auto', 'auto'], [' AUTO ', 'auto']] as const)('--enforce %j -> %s (a bare flag is true)', (v, want) => {
    expect(buildAgentConfig({ ...FLAGS, advertise: true, enforce: v }, {})).toMatchObject({ advertise: true, enforce: want });
  });
  it('standalone: no node name needed, every other flag still checked', () => {
    const sa = { ...FLAGS, nodeName: undefined, standalone: true };
    expect(buildAgentConfig(sa, {})).toMatchObject({ standalone: true, nodeName: '' });
    expectConfigError(() => buildAgentConfig({ ...sa, metricsAddr: 'nowhere' }, {}), '--metrics-addr', /--metrics-addr must be HOST:PORT/);
    expectConfigError(() => buildAgentConfig({ ...sa, nodeName: 'Bad_Name' }, {}), '--node-name', /--node-name must be a Kubernetes node name/);
    expectConfigError(() => buildAgentConfig({ ...sa, enclaveSlots: '1000000000' }, {}), '--enclave-slots', /ListAndWatch/);
  });
});
