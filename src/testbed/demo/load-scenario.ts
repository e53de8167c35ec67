import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ScenarioError, validateScenario, type DemoScenario } from './demo-scenario.js';

/** Largest scenario file read (they are a few hundred bytes). */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

/**
 * Parses scenario text (YAML, which includes JSON) and validates it. Throws `ScenarioError`
 * naming the field, or (field `""`) saying the text is not YAML/JSON.
 */
export function parseScenarioText(text: string): DemoScenario {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError('', `not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ScenarioError('', 'the scenario must be a mapping (object) with node and tenants');
  return validateScenario(doc);
}

/** Reads and validates a scenario file; I/O problems become `ScenarioError` too (bad input). */
export async function loadScenarioFile(file: string): Promise<DemoScenario> {
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.length > MAX_SCENARIO_FILE_BYTES) throw new ScenarioError('', `${file} is larger than ${MAX_SCENARIO_FILE_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError('', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseScenarioText(text);
}
