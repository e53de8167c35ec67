/**
 * The built-in demo scenario: a small DC-series-like node with 256Mi of EPC and three tenants
 * that each request 64Mi. The quiet ones work inside their request; the noisy one keeps touching
 * three times its request. Without limits the working sets (48 + 48 + 192 = 288Mi) exceed the
 * node, so global reclaim pages everyone; with per-pod limits only the noisy pod pages.
 */
import { validateScenario, type DemoScenario } from './demo-scenario.js';

/** The default scenario as a scenario document (the same shape a `--scenario` file has). */
export const DEFAULT_SCENARIO_DOC = {
  name: 'two quiet tenants and a noisy neighbour on a 256Mi EPC node',
  node: { name: 'sgx-node-1', epc: '256Mi', costScale: 1 },
  durationSeconds: 12,
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
