/**
 * `epc simulate`: simulation files (README, "The simulator and simulation files") parsed,
 * validated and run through the EPC model, reported as JSON or tables.
 */
export { ScenarioError } from './scenario-error.js';
export { parseScenario, validateScenario, type Scenario, type CgroupDecl } from './parse-scenario.js';
export { loadScenarioFile, MAX_SCENARIO_FILE_BYTES } from './load-scenario-file.js';
export { runScenario, type ScenarioReport } from './run-scenario.js';
export { formatReportJson, formatReportTable } from './format-report.js';
export { STEP_OPS, type StepOp } from './scenario-schema.js';
export { fileKind, type FileKind } from './file-kind.js';
