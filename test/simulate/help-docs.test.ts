/**
 * `epc --help`, `epc simulate --help` and `epc demo --help` point to documentation that exists:
 * every README section they name (in double quotes) is a heading of the README that ships with
 * the package, and no help text names a docs/ path (the repository has no docs/ folder).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package-root.js';
import { runCli } from '../helpers/run-cli.js';

const README = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
const headings = README.split('\n').filter((l) => /^#{2,3} /.test(l)).map((l) => l.replace(/^#+ /, ''));

describe('help texts point to docs that exist', () => {
  it.each([[['--help']], [['simulate', '--help']], [['demo', '--help']]])('epc %s', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/docs\//);
    expect(r.stdout).toMatch(/README\.md/);
    // Quoted names without a dot are README sections (a quoted default like "x.html" is a file).
    const named = [...r.stdout.matchAll(/"([^"]+)"/g)].map((m) => m[1]).filter((n) => !n.includes('.'));
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(headings, n).toContain(n);
  });
});
