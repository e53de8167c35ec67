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

describe('the package bin', () => {
  it('is executable once built, so `npx epc` runs it whatever state npm keeps in node_modules', async () => {
    const { readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { packageRoot } = await import('../../src/util/package-root.js');
    const root = packageRoot();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(root, pkg.bin.epc);
    // npm ci runs `prepare` (the build); without dist there is nothing to check and the CLI tests fail anyway.
    const mode = statSync(bin).mode;
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((mode & 0o111).toString(8), `${bin} mode ${mode.toString(8)}`).toBe('111');
  });
});
