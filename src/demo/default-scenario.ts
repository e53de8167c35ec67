/**
 * The built-in demo scenario: a small DC-series-like node with 256Mi of EPC and three tenants
 * that each request 64Mi. The quiet ones work inside their request; the noisy one keeps touching
 * three times its request. Without limits the working sets (48 + 48 + 192 = 288Mi) exceed the
 * node, so global reclaim pages everyone; with per-pod limits only the noisy pod pages.
 *
 * Paging cost scale 4: one simulated access call costs ~10 µs per page of IPC and JavaScript,
 * about a hundred times a real EPC access, while a modeled reload costs ~13 µs (40k cycles at
 * 3 GHz). At scale 1 paging would look far cheaper relative to work than on hardware; x4 keeps
 * the effect clearly visible within a short run (measured: quiet tenants ~4-5x slower without
 * limits, ~1x with them, on a loaded 2-core machine).
 */
import { validateScenario, type DemoScenario } from './demo-scenario.js';

/** The default scenario as a scenario document (the same shape a `--scenario` file has). */
export const DEFAULT_SCENARIO_DOC = {
  name: 'two quiet tenants and a noisy neighbour on a 256Mi EPC node',
  node: { name: 'sgx-node-1', epc: '256Mi', costScale: 4 },
  durationSeconds: 10,
  slowdownBound: 2,
  tenants: [
    { namespace: 'tenant-a', pod: 'quiet-a', role: 'quiet', request: '64Mi', enclaveSize: '56Mi', workingSet: '48Mi', pattern: 'sequential', rate: 200, batch: 64 },
    { namespace: 'tenant-b', pod: 'quiet-b', role: 'quiet', request: '64Mi', enclaveSize: '56Mi', workingSet: '48Mi', pattern: 'random', rate: 200, batch: 64 },
    { namespace: 'tenant-c', pod: 'noisy-c', role: 'noisy', request: '64Mi', enclaveSize: '200Mi', workingSet: '192Mi', pattern: 'sequential', rate: 400, batch: 64 },
  ],
} as const;

/** The default scenario, validated. */
export function defaultScenario(): DemoScenario {
  return validateScenario(structuredClone(DEFAULT_SCENARIO_DOC));
}
