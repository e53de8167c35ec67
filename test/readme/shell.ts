/**
 * Runs README commands as written, through bash, as real child processes. Three names are put on
 * PATH first, each a small shell script:
 * - `npx`: `npx epc ARGS` runs the CLI from source through tsx (as test/helpers/run-cli.ts does),
 *   so the test sees this tree and not a stale `dist/` build; any other `npx` use is refused.
 * - `helm`, `kubectl`: the real binaries unpacked from the npm package (test/helpers/k8s-tools.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/util/package-root.js';
import { CLI_MAIN } from '../helpers/run-cli.js';
import { ensureK8sTools } from '../helpers/k8s-tools.js';

export interface ShellResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A PATH prefix with the wrappers; `dispose()` removes it. */
export interface Shell {
  run(command: string, opts?: { cwd?: string; timeoutMs?: number }): Promise<ShellResult>;
  /** Starts a long-running command in its own process group (stop it with `stop`). */
  start(command: string): ChildProcess;
  stop(child: ChildProcess): Promise<void>;
  dispose(): Promise<void>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function createShell(): Promise<Shell> {
  const { helm, kubectl } = await ensureK8sTools();
  const bin = await mkdtemp(join(tmpdir(), 'epc-readme-bin-'));
  // An absolute loader URL, so `npx epc` works from any directory (a command may run elsewhere).
  const tsx = pathToFileURL(createRequire(join(packageRoot(), 'package.json')).resolve('tsx')).href;
  const scripts: Record<string, string> = {
    npx: [
      '#!/bin/sh',
      'if [ "$1" = epc ]; then shift; exec ' + `${q(process.execPath)} --import ${q(tsx)} ${q(CLI_MAIN)} "$@"; fi`,
      'echo "readme test: only \\"npx epc\\" is mapped, not npx $1" >&2; exit 127',
    ].join('\n'),
    helm: `#!/bin/sh\nexec ${q(helm)} "$@"`,
    kubectl: `#!/bin/sh\nexec ${q(kubectl)} "$@"`,
  };
  for (const [name, text] of Object.entries(scripts)) {
    await writeFile(join(bin, name), text + '\n');
    await chmod(join(bin, name), 0o755);
  }
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn',
  };
  const spawnBash = (command: string, cwd: string, detached: boolean) =>
    spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached });

  return {
    run(command, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawnBash(command, opts.cwd ?? packageRoot(), true);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => {
          stderr += `\n[readme test: killed after ${opts.timeoutMs ?? 30_000} ms]`;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, opts.timeoutMs ?? 30_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ command, code, stdout, stderr });
        });
      });
    },
    start(command) {
      return spawnBash(command, packageRoot(), true);
    },
    async stop(child) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await closed;
      clearTimeout(timer);
    },
    async dispose() {
      await rm(bin, { recursive: true, force: true });
    },
  };
}

/**
 * A cross-process lock (a directory holding the owner's pid): the README's hand-run session uses
 * a fixed socket dir and port, and other checkouts' test runs may share this machine. A lock
 * whose owner is gone is taken over. Resolves with the release function.
 */
export async function lockPath(dir: string, waitMs = 90_000): Promise<() => Promise<void>> {
  const { mkdir, readFile } = await import('node:fs/promises');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
    let alive = true;
    if (owner > 0) {
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) await rm(dir, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${dir} is held by pid ${owner || '?'} for more than ${waitMs} ms`);
    else await new Promise((r) => setTimeout(r, 200));
  }
}
