/** Human output of `epc doctor`: one line per check, its details indented, then the verdict. */
import type { CheckStatus, DoctorReport } from './doctor-report.js';

const TAG: Record<CheckStatus, string> = { ok: 'ok  ', info: 'info', warn: 'WARN', fail: 'FAIL' };
const VERDICT: Record<DoctorReport['exitCode'], string> = {
  0: 'ready: the agent can run here',
  1: 'usable, with warnings (see WARN lines)',
  3: 'not ready: the agent cannot do its job here (see FAIL lines)',
};

/** The report as text (ends with a newline). */
export function formatReport(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.title.length));
  const lines = [`epc doctor (node root ${r.root})`];
  for (const c of r.checks) {
    lines.push(`  ${TAG[c.status]}  ${c.title.padEnd(width)}  ${c.summary}`);
    for (const d of c.details ?? []) lines.push(`        ${' '.repeat(width)}  - ${d}`);
  }
  lines.push(`--enforce auto would ${r.enforceAuto.enforces ? `ENFORCE here (${r.enforceAuto.backend})` : 'run OBSERVE-ONLY here (no EPC controller)'}`);
  lines.push(`result: ${VERDICT[r.exitCode]} (exit ${r.exitCode})`);
  return lines.join('\n') + '\n';
}
