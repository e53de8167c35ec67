import type { ChildProcess } from 'node:child_process';
import { spawnCli } from '../helpers/run-cli.js';

/** A spawned `epc controller` whose ready line has been read. */
export interface ControllerProcess {
  child: ChildProcess;
  ready: { controlSocket: string; slotSocket: string; metricsAddr: string | null; capacityPages: number };
  stderr: () => string;
  /** SIGTERM and wait for the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** Spawns `epc controller ARGS` and resolves once it printed its ready line (rejects if it exits). */
export function spawnController(args: string[]): Promise<ControllerProcess> {
  const child = spawnCli(['controller', ...args]);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`controller exited ${code} before ready: ${err}`));
    child.once('exit', onExit);
    child.stdout?.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.off('exit', onExit);
      const ready = JSON.parse(out.slice(0, nl));
      resolve({
        child,
        ready,
        stderr: () => err,
        stop: () => waitExit(child, 'SIGTERM'),
      });
    });
  });
}

/** Sends a signal (if still running) and resolves with the exit code. */
export function waitExit(child: ChildProcess, signal?: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    if (signal) child.kill(signal);
  });
}
