import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

/** The CLI entry from source, run by a real child process through tsx (no build needed). */
export const CLI_MAIN = join(packageRoot(), 'src/cli/main.ts');
export const CLI_NODE_ARGS = ['--import', 'tsx', CLI_MAIN];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `epc ARGS...` to completion as a real child process and collects its output. */
export function runCli(args: string[], opts: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Starts `epc ARGS...` as a long-running child process (the caller stops it). */
export function spawnCli(args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: packageRoot(),
    stdio: ['pipe', 'pipe', 'pipe'],
    ...opts,
    env: { ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn', ...(opts.env ?? {}) },
  });
}
