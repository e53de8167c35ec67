/**
 * The real `promtool` (Debian package `prometheus`; .ci/run installs it) for the monitoring
 * tests: finds it on PATH and runs `check rules` / `test rules` on files in a temp dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

/** promtool's path, or undefined with the reason it is unusable. */
export async function findPromtool(): Promise<{ path?: string; reason?: string }> {
  const path = process.env.PROMTOOL ?? 'promtool';
  try {
    await run(path, ['--version'], { timeout: 30_000 });
    return { path };
  } catch (err) {
    return { reason: `promtool not runnable (${(err as Error).message.split('\n')[0]}); install Debian's prometheus package (.ci/run does)` };
  }
}

/** Result of one promtool run. */
export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/**
 * Writes `files` (name -> object, as YAML) into a temp dir and runs `promtool ARGS` there
 * (relative file names in ARGS and in a test file's rule_files resolve against it).
 */
export async function promtool(bin: string, args: string[], files: Record<string, unknown>): Promise<PromtoolResult> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-promtool-'));
  try {
    for (const [name, obj] of Object.entries(files)) await writeFile(join(dir, name), stringify(obj));
    const { stdout, stderr } = await run(bin, args, { cwd: dir, timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? e.message) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
