/** `epc agent` (cluster mode) flags as a real child process: bad values exit 2 naming the flag; the manifests' forms parse. */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { agentCommand } from '../../src/cli/commands/agent.js';
import { runCli } from '../helpers/run-cli.js';

describe('epc agent cluster-mode flags', () => {
  it.each([
    { name: 'no node name and no $NODE_NAME', args: ['agent'], msg: /--node-name is required \(or set NODE_NAME\)/ },
    { name: 'unknown backend', args: ['agent', '--node-name', 'n1', '--epc-backend', 'gpu'], msg: /--epc-backend must be one of auto, model, cgroupfs, got "gpu"/ },
    { name: 'bad --enforce', args: ['agent', '--node-name', 'n1', '--enforce', 'maybe'], msg: /--enforce must be one of auto, true, false, got "maybe"/ },
    { name: 'pod-resources socket over the unix path limit', args: ['agent', '--node-name', 'n1', '--pod-resources-socket', `/${'x'.repeat(110)}`], msg: /--pod-resources-socket: socket path .* over the platform's unix socket limit of 107 bytes/ },
    { name: 'controller socket dir over the unix path limit', args: ['agent', '--node-name', 'n1', '--controller-socket-dir', `/${'x'.repeat(100)}`], msg: /--controller-socket-dir: socket path .* over the platform's unix socket limit/ },
    { name: 'device plugin dir over the unix path limit', args: ['agent', '--node-name', 'n1', '--device-plugin-dir', `/${'x'.repeat(80)}`], msg: /--device-plugin-dir: socket path .* over the platform's unix socket limit/ },
    { name: 'model socket over the unix path limit', args: ['agent', '--node-name', 'n1', '--model-socket', `/${'x'.repeat(110)}`], msg: /--model-socket: socket path .* over the platform's unix socket limit/ },
    // Issue 11 point 7: counts are checked before any device list is built (no 2 GB list), with --standalone too.
    { name: '--standalone --enclave-slots 1000000000 (checked before allocating)', args: ['agent', '--standalone', '--enclave-slots', '1000000000'], msg: /--enclave-slots 1000000000: the ListAndWatch message would be \d+ bytes, over kubelet's 4 MiB .* use at most \d+ slots/ },
    { name: '--standalone --provision-slots 1000000000', args: ['agent', '--standalone', '--provision-slots', '1000000000'], msg: /--provision-slots 1000000000: the ListAndWatch message would be/ },
    { name: '--standalone still validates --enforce', args: ['agent', '--standalone', '--enforce', 'maybe'], msg: /--enforce must be one of auto, true, false/ },
    { name: '--standalone still validates --metrics-addr', args: ['agent', '--standalone', '--metrics-addr', 'nowhere'], msg: /--metrics-addr must be HOST:PORT/ },
    { name: '--standalone still validates --prestart-timeout', args: ['agent', '--standalone', '--prestart-timeout', '31s'], msg: /--prestart-timeout must be between/ },
    { name: '--standalone still validates --epc-backend', args: ['agent', '--standalone', '--epc-backend', 'gpu'], msg: /--epc-backend must be one of/ },
    { name: '--standalone still validates --node-name when given', args: ['agent', '--standalone', '--node-name', 'Bad_Name'], msg: /--node-name must be a Kubernetes node name/ },
    { name: 'cluster mode: plugin flags checked before any work (bad slots with a missing kubeconfig)', args: ['agent', '--node-name', 'n1', '--kubeconfig', '/nonexistent/kc', '--enclave-slots', '1000000000'], msg: /--enclave-slots 1000000000: the ListAndWatch message would be/ },
    { name: 'bad --advertise=', args: ['agent', '--node-name', 'n1', '--advertise=nope'], msg: /--advertise must be true or false, got "nope"/ },
    { name: 'prestart timeout over kubelet\'s 30s', args: ['agent', '--node-name', 'n1', '--prestart-timeout', '31s'], msg: /--prestart-timeout must be between 100 ms and 25000 ms/ },
    { name: 'bad metrics address', args: ['agent', '--node-name', 'n1', '--metrics-addr', 'nowhere'], msg: /--metrics-addr must be HOST:PORT/ },
    { name: 'missing kubeconfig file', args: ['agent', '--node-name', 'n1', '--device-plugin-dir', tmpdir(), '--kubeconfig', '/nonexistent/kubeconfig'], msg: /--kubeconfig \/nonexistent\/kubeconfig: .*no such file/i },
    { name: 'missing device plugin dir (checked before the kubeconfig is read)', args: ['agent', '--node-name', 'n1', '--device-plugin-dir', '/nonexistent/device-plugins', '--kubeconfig', '/nonexistent/kubeconfig'], msg: /--device-plugin-dir \/nonexistent\/device-plugins does not exist/ },
    { name: '--standalone: missing device plugin dir', args: ['agent', '--standalone', '--device-plugin-dir', '/nonexistent/device-plugins'], msg: /--device-plugin-dir \/nonexistent\/device-plugins does not exist/ },
    { name: 'unknown flag', args: ['agent', '--node-name', 'n1', '--frobnicate'], msg: /unknown option '--frobnicate'/ },
  ])('exits 2: $name', async ({ args, msg }) => {
    const r = await runCli(args, { env: { NODE_NAME: '' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('--help lists the cluster-mode flags (the demo detects enforcement from them)', async () => {
    const r = await runCli(['agent', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--kubeconfig', '--node-name', '--pod-resources-socket', '--controller-socket-dir', '--epc-backend', '--cgroup-root', '--cgroup-driver',
      '--metrics-addr', '--advertise', '--enforce', '--prestart-timeout', '--reconcile-interval', '--standalone', '--device-plugin-dir']) expect(r.stdout).toContain(f);
  });

  it.each([
    [['--advertise=false', '--enforce=false'], { advertise: 'false', enforce: 'false' }],
    [['--advertise', 'false', '--enforce', 'true'], { advertise: 'false', enforce: 'true' }],
    [['--enforce=auto'], { enforce: 'auto' }],
    [['--advertise'], { advertise: true, enforce: 'auto' }],
    [['--enforce'], { enforce: true }],
    [[], { advertise: 'true', enforce: 'auto' }],
  ])('commander parses %j', (args, want) => {
    const cmd = agentCommand().exitOverride();
    const { unknown } = cmd.parseOptions(args);
    expect(unknown).toEqual([]);
    expect(cmd.opts()).toMatchObject(want);
  });
});
