/**
 * README.md is executable documentation: every command in its shell blocks is run here as a real
 * child process, or rendered offline, or listed with the reason it cannot run (command-plan.ts).
 * Its reference tables are checked against the code in readme-reference.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package-root.js';
import { declaredLongFlags, FACTORIES } from './code-facts.js';
import { checkRender, expectOk, NOT_RUNNABLE, RENDER, RENDER_CHECKS, RUN, TRY_CONTROLLER, TRY_DIR, TRY_STEPS, type NotRunnable, type RunPlan } from './command-plan.js';
import { fencedBlocks, section, SHELL_LANGS, shellCommands } from './markdown.js';
import { createShell, lockPath, type Shell } from './shell.js';

const ROOT = packageRoot();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = fencedBlocks(README);

/** One command of a README shell block, where it is. */
interface ReadmeCommand {
  cmd: string;
  heading: string;
  line: number;
}

const COMMANDS: ReadmeCommand[] = BLOCKS.filter((b) => SHELL_LANGS.has(b.lang)).flatMap((b) => shellCommands(b.body).map((cmd) => ({ cmd, heading: b.heading, line: b.line })));

/** `npx epc --help` and `npx epc <cmd> --help`: exit 0, the usage line, every declared flag. */
const HELP: Record<string, RunPlan> = {
  'npx epc --help': {
    check: (r) => {
      expectOk(r);
      expect(r.stdout).toMatch(/^Usage: epc /);
      for (const name of Object.keys(FACTORIES)) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    },
  },
  ...Object.fromEntries(
    Object.entries(FACTORIES).map(([name, make]): [string, RunPlan] => [
      `npx epc ${name} --help`,
      {
        check: (r) => {
          expectOk(r);
          expect(r.stdout).toMatch(new RegExp(`^Usage: epc ${name} `));
          for (const flag of declaredLongFlags(make)) expect(r.stdout).toContain(flag);
        },
      },
    ]),
  ),
};

type Plan =
  | { kind: 'run'; plan: RunPlan }
  | { kind: 'render'; as: string; why: string }
  | { kind: 'try' }
  | { kind: 'not-runnable'; entry: NotRunnable };

function classify(cmd: string): Plan | undefined {
  const run = HELP[cmd] ?? RUN[cmd];
  if (run) return { kind: 'run', plan: run };
  if (cmd === TRY_CONTROLLER || cmd in TRY_STEPS) return { kind: 'try' };
  if (cmd in NOT_RUNNABLE) return { kind: 'not-runnable', entry: NOT_RUNNABLE[cmd] };
  for (const r of RENDER) {
    const m = cmd.match(r.pattern);
    if (m) return { kind: 'render', as: r.as(m), why: r.why };
  }
  return undefined;
}

let shell: Shell;
beforeAll(async () => {
  shell = await createShell();
});
afterAll(async () => {
  await shell?.dispose();
});

describe('README commands', () => {
  it('has commands to check (the parser finds the shell blocks)', () => {
    expect(COMMANDS.length).toBeGreaterThan(30);
  });

  it('keeps the two-command quick start literally', () => {
    const quick = BLOCKS.find((b) => b.heading === 'Quick start' && SHELL_LANGS.has(b.lang));
    expect(shellCommands(quick?.body ?? '')).toEqual(['npm ci && npx epc demo', 'npm ci && npm test']);
  });

  it('every command is run here, rendered offline, or listed with the reason it cannot run', () => {
    const unplanned = COMMANDS.filter((c) => classify(c.cmd) === undefined).map((c) => `README.md:${c.line} (${c.heading}): ${c.cmd}`);
    expect(unplanned, 'add these to test/readme/command-plan.ts (RUN, RENDER, TRY_STEPS or NOT_RUNNABLE with a reason)').toEqual([]);
    const inReadme = new Set(COMMANDS.map((c) => c.cmd));
    const stale = [...Object.keys(HELP), ...Object.keys(RUN), ...Object.keys(NOT_RUNNABLE), ...Object.keys(RENDER_CHECKS), TRY_CONTROLLER, ...Object.keys(TRY_STEPS)].filter((c) => !inReadme.has(c));
    expect(stale, 'entries in test/readme/command-plan.ts for commands the README no longer has').toEqual([]);
    const notRun = COMMANDS.filter((c) => classify(c.cmd)?.kind === 'not-runnable');
    console.log(`README commands not run here (${notRun.length}):\n${notRun.map((c) => `  ${c.cmd}\n      because: ${NOT_RUNNABLE[c.cmd].reason}`).join('\n')}`);
  });

  it('every command parses as bash (bash -n), the ones not run here included', () => {
    const broken = COMMANDS.flatMap((c) => {
      const r = spawnSync('bash', ['-n', '-c', c.cmd], { encoding: 'utf8', timeout: 10_000 });
      return r.status === 0 ? [] : [`README.md:${c.line} (${c.heading}): ${c.cmd}\n  ${r.stderr.trim()}`];
    });
    expect(broken).toEqual([]);
  });

  describe.concurrent('run as written', () => {
    for (const c of COMMANDS) {
      const plan = classify(c.cmd);
      if (plan?.kind === 'run') {
        it(c.cmd, async () => {
          if (plan.plan.cwd === 'scenario') return runScenarioExample(c.cmd, plan.plan);
          await plan.plan.check(await shell.run(c.cmd));
        });
      } else if (plan?.kind === 'render') {
        it(`${c.cmd}  ->  ${plan.as}`, async () => checkRender(c.cmd, await shell.run(plan.as)));
      }
    }
  });

  describe('not run here: static checks instead', () => {
    for (const c of COMMANDS) {
      const plan = classify(c.cmd);
      if (plan?.kind === 'not-runnable' && plan.entry.check) it(`${c.cmd}  (${plan.entry.reason})`, () => plan.entry.check!());
    }
  });

  it('"Try the model by hand" runs as written: controller in one terminal, the rest in another', async () => {
    const session = COMMANDS.filter((c) => c.heading === 'Try the model by hand').map((c) => c.cmd);
    expect(session).toEqual([TRY_CONTROLLER, ...Object.keys(TRY_STEPS)]);
    // The session's socket dir and metrics port are fixed (as a reader types them): one run at a time on this machine.
    const unlock = await lockPath(`${TRY_DIR}.readme-test.lock`);
    const created = !existsSync(TRY_DIR);
    const controller = shell.start(TRY_CONTROLLER);
    let out = '';
    let err = '';
    controller.stdout!.on('data', (d) => (out += d));
    controller.stderr!.on('data', (d) => (err += d));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`controller not ready in 30 s: ${err}`)), 30_000);
        const poll = setInterval(() => {
          if (out.includes('\n')) done(resolve);
        }, 20);
        const done = (f: () => void) => {
          clearInterval(poll);
          clearTimeout(timer);
          f();
        };
        controller.once('close', (code) => done(() => reject(new Error(`${TRY_CONTROLLER} exited ${code} before ready: ${err}`))));
      });
      expect(JSON.parse(out.split('\n')[0])).toMatchObject({ event: 'ready', controlSocket: `${TRY_DIR}/control.sock`, slotSocket: `${TRY_DIR}/slots/<slot>/enclave.sock` });
      for (const [cmd, check] of Object.entries(TRY_STEPS)) check(await shell.run(cmd));
    } finally {
      await shell.stop(controller);
      if (created) await rm(TRY_DIR, { recursive: true, force: true });
      await unlock();
    }
  }, 150_000);
});

/** The README's example scenario, saved as the README says, run, and compared with the README's JSON. */
async function runScenarioExample(cmd: string, plan: RunPlan): Promise<void> {
  const sim = section(README, '## The simulator and simulation files');
  const blocks = fencedBlocks(sim);
  const yaml = blocks.find((b) => b.lang === 'yaml' && b.body.includes('steps:'));
  const shown = blocks.find((b) => b.lang === 'json');
  expect(yaml && shown, 'the simulator section shows a YAML scenario and its JSON report').toBeTruthy();
  const dir = await mkdtemp(join(tmpdir(), 'epc-readme-scenario-'));
  try {
    await writeFile(join(dir, 'two-pods.yaml'), yaml!.body + '\n');
    const r = await shell.run(cmd, { cwd: dir });
    await plan.check(r);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(shown!.body));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
