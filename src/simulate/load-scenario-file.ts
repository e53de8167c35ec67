import { readFile } from 'node:fs/promises';
import { parseScenario, type Scenario } from './parse-scenario.js';
import { ScenarioError } from './scenario-error.js';

/** Largest scenario file read: scenarios are hand-written, a few KiB. */
export const MAX_SCENARIO_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads and validates a scenario file. I/O problems (missing, a directory, unreadable, too large)
 * are `ScenarioError`s too, with the file name and the reason: they are bad input, not bugs.
 */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : (e.code ?? e.message);
    throw new ScenarioError('', `cannot read scenario: ${why}`, { file });
  }
  if (buf.length > MAX_SCENARIO_FILE_BYTES) throw new ScenarioError('', `is larger than ${MAX_SCENARIO_FILE_BYTES} bytes: not a scenario file`, { file });
  try {
    return parseScenario(buf.toString('utf8'));
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(err.field, err.reason, { file });
    throw err;
  }
}
