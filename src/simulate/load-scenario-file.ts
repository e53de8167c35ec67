import { readInputFile } from '../util/read-input-file.js';
import { parseScenario, type Scenario } from './parse-scenario.js';
import { ScenarioError } from './scenario-error.js';

/** Largest scenario file read: scenarios are hand-written, a few KiB (the demo's limit too). */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

/**
 * Reads and validates a scenario file. I/O problems (missing, a directory, unreadable, too large)
 * are `ScenarioError`s too, with the file name and the reason: they are bad input, not bugs.
 */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  const input = await readInputFile(file, { maxBytes: MAX_SCENARIO_FILE_BYTES });
  if (!input.ok) throw new ScenarioError('', `cannot read scenario: ${input.reason}`, { file });
  try {
    return parseScenario(input.text);
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(err.field, err.reason, { file });
    throw err;
  }
}
