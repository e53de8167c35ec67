import { MAX_SCENARIO_FILE_BYTES } from '../../simulate/load-scenario-file.js';
import { readInputFile } from '../../util/read-input-file.js';
import { parse as parseYaml } from 'yaml';
import { ScenarioError, validateScenario, type DemoScenario } from './demo-scenario.js';

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
  const input = await readInputFile(file, { maxBytes: MAX_SCENARIO_FILE_BYTES });
  if (!input.ok) throw new ScenarioError('', `cannot read ${file}: ${input.reason}`);
  return parseScenarioText(input.text);
}
