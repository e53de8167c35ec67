/**
 * The two faces of a scenario report: JSON for machines (exactly the shape the README documents)
 * and aligned text tables for people (steps, cgroups, EPC totals, simulated time in ms).
 */
import type { Step } from '../epc/index.js';
import type { Scenario } from './parse-scenario.js';
import type { ScenarioReport } from './run-scenario.js';
import { PAGE_BYTES } from './scenario-fields.js';

/**
 * The `--json` output: one JSON document, one step / cgroup per line (diffable, greppable), with
 * a trailing newline. Key order: steps, cgroups, epc.
 */
export function formatReportJson(report: ScenarioReport): string {
  const j = (v: unknown) => JSON.stringify(v);
  const steps = report.steps.map((s) => `    ${j(s)}`).join(',\n');
  const cgroups = Object.entries(report.cgroups).map(([k, v]) => `    ${j(k)}: ${j(v)}`).join(',\n');
  const list = (open: string, body: string, close: string) => (body ? `${open}\n${body}\n  ${close}` : `${open}${close}`);
  return `{\n  "steps": ${list('[', steps, ']')},\n  "cgroups": ${list('{', cgroups, '}')},\n  "epc": ${j(report.epc)}\n}\n`;
}

/**
 * The human output. `scenario` supplies what each step acted on (the report only has results);
 * the step list and the report's steps line up index for index.
 */
export function formatReportTable(report: ScenarioReport, scenario: Scenario): string {
  const out: string[] = [];
  if (scenario.description) out.push(scenario.description.trim(), '');
  out.push(
    `EPC ${report.epc.capacity} pages (${bytesHuman(report.epc.capacity * PAGE_BYTES)}), ` +
      `async workers ${scenario.workers}, ksgxd ${scenario.ksgxd}`,
    '',
    'Steps',
  );
  const stepRows = report.steps.map((r, i) => {
    const step = scenario.steps[i];
    return [String(i), r.op, step ? target(step) : '', r.result, r.done === undefined ? '' : String(r.done), r.value === undefined ? '' : oneLine(r.value)];
  });
  out.push(...table(['#', 'op', 'target', 'result', 'done', 'value'], stepRows, { rightAlign: [0, 4] }));
  if (report.steps.length === 0) out.push('  (no steps)');
  out.push('', 'Cgroups (pages)');
  const cgRows = Object.entries(report.cgroups).map(([path, c]) => [
    path,
    maxHuman(c.max),
    String(c.current),
    String(c.peak),
    String(c.events),
    String(c.eventsLocal),
    String(c.evicted),
    String(c.reloaded),
  ]);
  out.push(...table(['cgroup', 'max', 'current', 'peak', 'events', 'events.local', 'evicted', 'reloaded'], cgRows, { rightAlign: [2, 3, 4, 5, 6, 7] }));
  const e = report.epc;
  out.push(
    '',
    `EPC: capacity ${e.capacity} pages, free ${e.free}, in use ${e.capacity - e.free}, evicted ${e.evicted}, reloaded ${e.reloaded}`,
    `Simulated paging time: ${(e.simulatedNs / 1e6).toFixed(3)} ms`,
  );
  return `${out.join('\n')}\n`;
}

/** What a step acted on, in a few words. */
function target(step: Step): string {
  const from = 'from' in step && step.from !== undefined ? ` from ${step.from}` : '';
  switch (step.op) {
    case 'create':
      return `${step.enclave} in ${step.cgroup}${step.bare ? ' (bare)' : ''}${from}`;
    case 'add':
    case 'aug':
      return `${step.enclave} +${step.pages}${from}`;
    case 'access':
      return `${step.enclave} [${step.range[0]}..${step.range[1]}]${from}`;
    case 'write':
      return `${step.cgroup} ${step.file} <- ${JSON.stringify(step.value)}`;
    case 'read':
      return `${step.cgroup} ${step.file}`;
    case 'init':
    case 'destroy':
      return step.enclave;
    case 'mkdir':
    case 'rmdir':
      return step.cgroup;
    default:
      return '';
  }
}

/** A file value without its trailing newline, inner lines joined by " | ". */
function oneLine(v: string): string {
  return v.replace(/\n$/, '').split('\n').join(' | ');
}

/** "max", or the bytes with their page count ("262144 (64 pages)"). */
function maxHuman(max: string): string {
  if (!/^\d+$/.test(max)) return max;
  const pages = BigInt(max) / BigInt(PAGE_BYTES);
  return `${max} (${pages} page${pages === 1n ? '' : 's'})`;
}

/** 4194304 -> "4 MiB"; not-round sizes keep a decimal. */
function bytesHuman(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** Rows padded to their column widths, two-space indent and gaps. */
function table(head: string[], rows: string[][], opts: { rightAlign: number[] }): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    `  ${cells.map((s, c) => (opts.rightAlign.includes(c) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}
