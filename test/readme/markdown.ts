/**
 * A small reader for README.md: fenced code blocks (with the heading they sit under), the shell
 * commands in them, sections and pipe tables. Enough Markdown for our own README, no more.
 */

/** A fenced code block. `line` is the 1-based line of its opening fence. */
export interface FencedBlock {
  lang: string;
  body: string;
  line: number;
  /** The nearest heading above the block (text without the #s). */
  heading: string;
}

/** Languages whose blocks hold commands to type. */
export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

/** Every ``` fenced block (indented by at most 3 spaces), in order. An unclosed fence is an error (the README is broken). */
export function fencedBlocks(md: string): FencedBlock[] {
  const lines = md.split('\n');
  const out: FencedBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
    if (h) {
      heading = h[1].trim();
      continue;
    }
    // Up to 3 spaces of indentation (a block inside a numbered list item), removed from its lines.
    const open = /^( {0,3})```\s*([\w-]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const indent = open[1].length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^ {0,3}```\s*$/.test(lines[i]); i++) body.push(lines[i].replace(new RegExp(`^ {0,${indent}}`), ''));
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: fenced block never closed`);
    out.push({ lang: open[2], body: body.join('\n'), line: start + 1, heading });
  }
  return out;
}

/** Drops a `# comment` that starts after whitespace outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/**
 * The commands of a shell block: `\` continuations joined, comments and blank lines dropped,
 * runs of whitespace outside quotes left as written but trimmed at both ends.
 */
export function shellCommands(body: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of body.split('\n')) {
    const line = stripComment(raw).trimEnd();
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const cmd = (pending + line).trim().replace(/\s+/g, ' ');
    pending = '';
    if (cmd) out.push(cmd);
  }
  if (pending.trim()) out.push(pending.trim());
  return out;
}

/** The text from a heading line (exact text, e.g. `## Metrics and health endpoints`) to the next heading of the same or a higher level. */
export function section(md: string, headingLine: string): string {
  const level = /^#+/.exec(headingLine)?.[0].length ?? 2;
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.trim() === headingLine);
  if (start < 0) throw new Error(`README.md has no heading ${JSON.stringify(headingLine)}`);
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(#+)\s/.exec(lines[i]);
    if (m && m[1].length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** A pipe table: header cells and rows of cells (`\|` inside a cell is a literal `|`). */
export interface Table {
  header: string[];
  rows: string[][];
}

function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Every pipe table in `text`, in order (tables outside fenced blocks only). */
export function tables(text: string): Table[] {
  const lines = text.split('\n');
  const out: Table[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^```/.test(lines[i])) fenced = !fenced;
    if (fenced) continue;
    if (!lines[i].trim().startsWith('|') || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
    const header = cells(lines[i]);
    const rows: string[][] = [];
    for (i += 2; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push(cells(lines[i]));
    out.push({ header, rows });
  }
  return out;
}

/** The first table after the first line that contains `marker` (e.g. `**Agent**`). */
export function tableAfter(text: string, marker: string): Table {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README section has no ${JSON.stringify(marker)}`);
  const t = tables(text.slice(at))[0];
  if (!t) throw new Error(`no table after ${JSON.stringify(marker)}`);
  return t;
}

/** The backticked spans of a cell, in order. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}
