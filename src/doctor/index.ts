/** `epc doctor`: a node preflight (devices, kernel EPC cgroup, kubelet, other SGX plugins, --enforce auto). */
export { exitCodeOf, type CheckStatus, type DoctorCheck, type DoctorExitCode, type DoctorReport, type EnforceAutoOutcome } from './doctor-report.js';
export { evaluateNode, enforceAutoOutcome, OWN_PLUGIN_SOCKET } from './evaluate-node.js';
export { findIntelSgxWebhooks, intelWebhookCheck, checkIntelWebhook, INTEL_SGX_WEBHOOK_NAME, INTEL_SGX_WEBHOOK_PATH } from './intel-webhook.js';
export { formatReport } from './format-report.js';
export { probeNode, SGX_DEVICE_PATHS, NRI_DIRS, type NodeFacts, type ProbeOptions, type EntryKind } from './node-probe.js';
export { runDoctor, type DoctorOptions } from './run-doctor.js';
