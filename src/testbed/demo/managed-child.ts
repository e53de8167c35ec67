import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EpcLauncher } from './epc-launcher.js';

/** Lines of stderr kept for error messages. */
const STDERR_TAIL_LINES = 20;

export interface ManagedChildOptions {
  /** Short name used in messages ("controller", "workload tenant-a/quiet-a"). */
  name: string;
  launcher: EpcLauncher;
  /** `epc` arguments: subcommand and flags. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One `epc` child process of the demo: line-wise stdout/stderr, a wait for a readiness line,
 * and a stop that escalates SIGTERM -> SIGKILL. `stop` is idempotent and resolves once the
 * process is gone.
 */
export class ManagedChild {
  readonly name: string;
  readonly exited: Promise<ChildExit>;
  private readonly proc: ChildProcess;
  private readonly stdoutLines: string[] = [];
  private readonly stderrTail: string[] = [];
  private readonly lineWaiters = new Set<(line: string) => void>();
  private exit: ChildExit | undefined;

  constructor(opts: ManagedChildOptions) {
    this.name = opts.name;
    this.proc = spawn(opts.launcher.file, [...opts.launcher.args, ...opts.args], {
      cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('error', (err) => {
        this.stderrTail.push(`spawn failed: ${err.message}`);
        this.exit = { code: -1, signal: null };
        resolve(this.exit);
      });
      this.proc.once('close', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.stdoutLines.push(line);
      opts.onStdoutLine?.(line);
      for (const w of [...this.lineWaiters]) w(line);
    });
    createInterface({ input: this.proc.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      opts.onStderrLine?.(line);
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Everything printed on stdout so far. */
  get stdout(): string {
    return this.stdoutLines.join('\n');
  }

  /** The last stderr lines, for error messages. */
  stderr(): string {
    return this.stderrTail.join('\n');
  }

  /**
   * Resolves with the first stdout line (already printed or coming) matching `pred`; rejects if
   * the process exits first or after `timeoutMs`, quoting its stderr.
   */
  waitForLine(pred: (line: string) => boolean, opts: { timeoutMs: number; what: string }): Promise<string> {
    const seen = this.stdoutLines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.lineWaiters.delete(onLine);
      };
      const onLine = (line: string) => {
        if (!pred(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${opts.what} within ${opts.timeoutMs} ms${this.describeStderr()}`));
      }, opts.timeoutMs);
      this.lineWaiters.add(onLine);
      void this.exited.then((e) => {
        if (!this.lineWaiters.has(onLine)) return;
        done();
        reject(new Error(`${this.name} exited (${e.signal ?? `code ${e.code}`}) before ${opts.what}${this.describeStderr()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  async stop(opts: { graceMs?: number } = {}): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), opts.graceMs ?? 3000);
    const e = await this.exited;
    clearTimeout(timer);
    return e;
  }

  private describeStderr(): string {
    const t = this.stderr().trim();
    return t ? `:\n${t}` : '';
  }
}
