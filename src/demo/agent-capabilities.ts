import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { EpcLauncher } from './epc-launcher.js';

const run = promisify(execFile);

/** What the `epc agent` of this build can do, read from its --help (detected, not configured). */
export interface AgentCapabilities {
  /** Cluster mode with per-pod enforcement (`--kubeconfig`, `--controller-socket-dir`). */
  enforcement: boolean;
  /** `--enforce false`: device plugins without limits (the "off" run). */
  enforceFlag: boolean;
  /** `--standalone`: device plugins only. */
  standalone: boolean;
  /** Every flag the help lists (for building command lines that only use what exists). */
  flags: Set<string>;
}

/** Parses `epc agent --help` text. */
export function parseAgentHelp(help: string): AgentCapabilities {
  const flags = new Set([...help.matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]));
  return {
    enforcement: flags.has('--kubeconfig') && flags.has('--controller-socket-dir'),
    enforceFlag: flags.has('--enforce'),
    standalone: flags.has('--standalone'),
    flags,
  };
}

/** Runs `epc agent --help` and parses it. */
export async function detectAgentCapabilities(launcher: EpcLauncher): Promise<AgentCapabilities> {
  const { stdout } = await run(launcher.file, [...launcher.args, 'agent', '--help'], { timeout: 30_000 });
  return parseAgentHelp(stdout);
}
