/** `epc agent` (cluster mode) flags as a real child process: bad values exit 2 naming the flag; the manifests' forms parse. */
import { describe, expect, it } from 'vitest';
import { agentCommand } from '../../src/cli/commands/agent.js';
import { runCli } from '../helpers/run-cli.js';

describe('epc agent cluster-mode flags', () => {
  it.each([
    { name: 'no node name and no $NODE_NAME', args: ['agent'], msg: /--node-name is required \(or set NODE_NAME\)/ },
    { name: 'unknown backend', args: ['agent', '--node-name', 'n1', '--epc-backend', 'gpu'], msg: /--epc-backend must be one of auto, model, cgroupfs, got "gpu"/ },
    { name: 'bad --enforce', args: ['agent', '--node-name', 'n1', '--enforce', 'maybe'], msg: /--enforce must be true or false, got "maybe"/ },
    { name: 'bad --advertise=', args: ['agent', '--node-name', 'n1', '--advertise=nope'], msg: /--advertise must be true or false, got "nope"/ },
    { name: 'prestart timeout over kubelet\'s 30s', args: ['agent', '--node-name', 'n1', '--prestart-timeout', '31s'], msg: /--prestart-timeout must be between 100 ms and 25000 ms/ },
    { name: 'bad metrics address', args: ['agent', '--node-name', 'n1', '--metrics-addr', 'nowhere'], msg: /--metrics-addr must be HOST:PORT/ },
    { name: 'missing kubeconfig file', args: ['agent', '--node-name', 'n1', '--kubeconfig', '/nonexistent/kubeconfig'], msg: /--kubeconfig \/nonexistent\/kubeconfig: .*no such file/i },
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
    [['--advertise'], { advertise: true, enforce: 'true' }],
    [[], { advertise: 'true', enforce: 'true' }],
  ])('commander parses %j', (args, want) => {
    const cmd = agentCommand().exitOverride();
    const { unknown } = cmd.parseOptions(args);
    expect(unknown).toEqual([]);
    expect(cmd.opts()).toMatchObject(want);
  });
});
