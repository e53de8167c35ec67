import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('epc CLI', () => {
  it('prints help listing every subcommand', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['simulate', 'controller', 'agent', 'workload', 'webhook', 'demo']) expect(r.stdout).toContain(c);
  });
  it('rejects an unknown subcommand with exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
