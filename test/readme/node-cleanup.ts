/**
 * The README's Uninstall commands for Nodes, run as written by bash against one Node kept in a
 * file: a `kubectl` first on PATH answers `get nodes -l SELECTOR -o name` from that file and hands
 * `patch node/NAME ...` and `label nodes --all ...` to the real kubectl in its `--local` mode (the
 * same patch types and merge code kubectl sends to the API server), writing the result back.
 * Anything else it refuses, so a command the README gains is not silently accepted.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureK8sTools } from '../helpers/k8s-tools.js';

const run = promisify(execFile);

const FAKE_KUBECTL = `#!/usr/bin/env node
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { EPC_REAL_KUBECTL: REAL, EPC_NODE_FILE: FILE } = process.env;
const a = process.argv.slice(2);
const node = JSON.parse(fs.readFileSync(FILE, 'utf8'));
const local = (args) => fs.writeFileSync(FILE, execFileSync(REAL, [...args, '-o', 'json']));
if (a[0] === 'get' && a[1] === 'nodes' && a.includes('-l') && a.at(-2) === '-o' && a.at(-1) === 'name') {
  const [k, v] = a[a.indexOf('-l') + 1].split('=');
  const labels = node.metadata.labels || {};
  if (k in labels && (v === undefined || labels[k] === v)) console.log('node/' + node.metadata.name);
} else if (a[0] === 'patch' && a[1] === 'node/' + node.metadata.name) {
  local(['patch', '--local', '-f', FILE, ...a.slice(2)]);
} else if (a[0] === 'label' && a[1] === 'nodes' && a[2] === '--all') {
  local(['label', '--local', '-f', FILE, ...a.slice(3)]);
} else {
  console.error('fake kubectl: not a Node cleanup command: ' + a.join(' '));
  process.exit(2);
}
`;

/** Runs `commands` (one bash script, `set -e`) against `node`; returns the Node as they left it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runNodeCleanup(commands: string[], node: Record<string, any>): Promise<Record<string, any>> {
  const { kubectl } = await ensureK8sTools();
  const dir = await mkdtemp(join(tmpdir(), 'epc-node-cleanup-'));
  try {
    const file = join(dir, 'node.json');
    await writeFile(file, JSON.stringify(node));
    await writeFile(join(dir, 'kubectl'), FAKE_KUBECTL);
    await chmod(join(dir, 'kubectl'), 0o755);
    await run('bash', ['-c', ['set -e', ...commands].join('\n')], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, EPC_REAL_KUBECTL: kubectl, EPC_NODE_FILE: file },
    });
    return JSON.parse(await readFile(file, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
