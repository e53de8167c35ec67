/**
 * A simulation file that cannot be run: unreadable, not YAML, or not the format the README
 * describes ("The simulator and simulation files"). `field` is the path of the first bad field
 * (`steps[3].pages`, `cgroups[1].path`, `capacity`), or `""` when the problem is the file itself.
 * The message is one line: `[file: ]field: reason`. The CLI turns it into exit code 2.
 */
export class ScenarioError extends Error {
  readonly field: string;
  readonly reason: string;
  /** The scenario file, when the error came from one (it then leads the message). */
  readonly file?: string;
  constructor(field: string, reason: string, opts: { file?: string } = {}) {
    super(`${opts.file ? `${opts.file}: ` : ''}${field ? `${field}: ` : ''}${reason}`);
    this.name = 'ScenarioError';
    this.field = field;
    this.reason = reason;
    if (opts.file !== undefined) this.file = opts.file;
  }
}

/** `steps[3].range[1]` from a zod-style issue path (numbers become indexes). */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}
