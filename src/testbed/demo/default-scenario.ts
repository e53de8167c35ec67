/**
 * The built-in demo scenario: a small DC-series-like node with 256Mi of EPC and three tenants
 * that each request 64Mi. The quiet ones work inside their request (48Mi working sets in 56Mi
 * enclaves); the noisy one keeps touching three times its request. Without limits the working
 * sets (48 + 48 + 192 = 288Mi) exceed the node, so global reclaim pages everyone; with per-pod
 * limits only the noisy pod pages.
 *
 * The quiet tenants touch their pages the way services do, not in a tight loop: quiet-a mostly
 * its hot fifth (hotcold), quiet-b uniformly (random), 50 calls of 64 pages a second. Their cold
 * pages then age between touches, so global reclaim (which gives young pages a second chance)
 * takes them for the noisy tenant's overrun and the quiet tenants fault them back: the problem
 * shows in the off run's modeled slowdown at any --duration from 3 s (measured: 1.6x-2x at 3 s
 * on a loaded 2-core machine), not only in its eviction count.
 *
 * Paging cost scale 1: the controller delays a caller by the simulated paging time it caused
 * (wall time only, so the informational wall columns show paging too); the verdict uses modeled
 * time. A larger scale would slow the noisy tenant's faults in wall time and so thin out the
 * global reclaim that shows the problem.
 */
import { validateScenario, type DemoScenario } from './demo-scenario.js';

/** The default scenario as a scenario document (the same shape a `--scenario` file has). */
export const DEFAULT_SCENARIO_DOC = {
  name: 'two quiet tenants and a noisy neighbour on a 256Mi EPC node',
  node: { name: 'sgx-node-1', epc: '256Mi', costScale: 1 },
  durationSeconds: 10,
  slowdownBound: 1.05,
  tenants: [
    { namespace: 'tenant-a', pod: 'quiet-a', role: 'quiet', request: '64Mi', enclaveSize: '56Mi', workingSet: '48Mi', pattern: 'hotcold', rate: 50, batch: 64 },
    { namespace: 'tenant-b', pod: 'quiet-b', role: 'quiet', request: '64Mi', enclaveSize: '56Mi', workingSet: '48Mi', pattern: 'random', rate: 50, batch: 64 },
    { namespace: 'tenant-c', pod: 'noisy-c', role: 'noisy', request: '64Mi', enclaveSize: '200Mi', workingSet: '192Mi', pattern: 'sequential', rate: 400, batch: 64 },
  ],
} as const;

/** The default scenario, validated. */
export function defaultScenario(): DemoScenario {
  return validateScenario(structuredClone(DEFAULT_SCENARIO_DOC));
}
