/**
 * What the code declares, for checking the README against it: the CLI subcommands and their
 * flags (commander definitions, no process), and the source text of src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { agentCommand } from '../../src/cli/commands/agent.js';
import { controllerCommand } from '../../src/cli/commands/controller.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { simulateCommand } from '../../src/cli/commands/simulate.js';
import { webhookCommand } from '../../src/cli/commands/webhook.js';
import { workloadCommand } from '../../src/cli/commands/workload.js';
import { packageRoot } from '../../src/util/package-root.js';

/** The subcommands, by name, as src/cli/main.ts adds them. */
export const FACTORIES: Record<string, () => Command> = {
  simulate: simulateCommand,
  controller: controllerCommand,
  agent: agentCommand,
  workload: workloadCommand,
  webhook: webhookCommand,
  demo: demoCommand,
  doctor: doctorCommand,
};

/** The declared options of a fresh command, by long flag (`--no-x` is its own option). */
export function declaredOptions(make: () => Command): Map<string, Option> {
  return new Map(make().options.flatMap((o) => (o.long ? [[o.long, o] as [string, Option]] : [])));
}

export function declaredLongFlags(make: () => Command): string[] {
  return [...declaredOptions(make).keys()];
}

/** Every .ts file under src/, concatenated ("does the code say this" checks). */
export function sourceText(dir = join(packageRoot(), 'src')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? sourceText(join(dir, e.name)) : e.name.endsWith('.ts') ? readFileSync(join(dir, e.name), 'utf8') : ''))
    .join('\n');
}

/** Metric names registered anywhere in src/ (`name: 'epc_...'` in prom-client constructors). */
export function sourceMetricNames(text = sourceText()): Set<string> {
  return new Set([...text.matchAll(/name:\s*'(epc_[a-z0-9_]+)'/g)].map((m) => m[1]));
}

/** The members of `export type DenyRule = 'a' | 'b' ...;` in src/webhook/review-pod.ts. */
export function denyRules(): string[] {
  const text = readFileSync(join(packageRoot(), 'src/webhook/review-pod.ts'), 'utf8');
  const m = /export type DenyRule\s*=([^;]+);/.exec(text);
  if (!m) throw new Error('src/webhook/review-pod.ts: no `export type DenyRule = ...;`');
  return [...m[1].matchAll(/'([a-z-]+)'/g)].map((x) => x[1]);
}
