/**
 * Checks the flags the manifests pass against the flags the real CLI commands declare
 * (commander definitions, no process). `epc agent` declares every agreed flag now (cluster
 * mode), so nothing is accepted on trust; `agentNotYetDeclared` must stay empty.
 */
import type { Command } from 'commander';
import { agentCommand } from '../../src/cli/commands/agent.js';
import { controllerCommand } from '../../src/cli/commands/controller.js';
import { webhookCommand } from '../../src/cli/commands/webhook.js';
import type { K8sObject } from './render.js';

/** The agent's flags as agreed in interfaces.md (+ --advertise from issue 6). */
export const AGREED_AGENT_FLAGS = ['--kubeconfig', '--node-name', '--device-plugin-dir', '--pod-resources-socket', '--controller-socket-dir', '--epc-backend', '--metrics-addr', '--advertise'];

function longFlags(cmd: Command): string[] {
  return cmd.options.flatMap((o) => (o.long ? [o.long] : []));
}

/** Fresh command definitions by subcommand name (commander keeps parse state, so one per use). */
const COMMANDS: Record<string, () => Command> = { agent: agentCommand, controller: controllerCommand, webhook: webhookCommand };

/** The agreed agent flags `epc agent` does not declare (expected: none since cluster mode). */
export function agentNotYetDeclared(): string[] {
  // A declared `--no-x` counts as declaring `--x`: then `--x=false` must parse for real.
  const declared = agentCommand().options.flatMap((o) => (o.long ? [o.long, o.long.replace(/^--no-/, '--')] : []));
  return AGREED_AGENT_FLAGS.filter((f) => !declared.includes(f));
}

/**
 * Parses every container's arguments with the real commander definition of its `epc`
 * subcommand (no action runs): unknown flags, a value given to a flag that takes none, a missing
 * value or a value outside the declared choices are problems, returned as
 * `Kind/name/container: problem` (empty = all accepted). The cert-bootstrap init container is
 * checked against the flags its module parses.
 */
export function flagProblems(objs: K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objs) {
    const spec = o.spec?.template?.spec;
    if (!spec) continue;
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const id = `${o.kind}/${o.metadata.name}/${c.name}`;
      const args: string[] = c.args ?? [];
      if (c.command) {
        out.push(`${id}: unexpected command ${c.command.join(' ')} (every container runs the image's epc entrypoint)`);
        continue;
      }
      const make = COMMANDS[args[0]];
      if (!make) {
        out.push(`${id}: unknown subcommand ${args[0]}`);
        continue;
      }
      // `epc webhook cert-bootstrap ...`: the subcommand's own definition
      const parent = make();
      const sub = parent.commands.find((s) => s.name() === args[1]);
      const cmd = (sub ?? parent).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      try {
        const { operands, unknown } = cmd.parseOptions(args.slice(sub ? 2 : 1));
        for (const u of unknown) out.push(`${id}: not accepted: ${u}`);
        for (const op of operands) out.push(`${id}: stray operand ${op}`);
      } catch (err) {
        out.push(`${id}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}
