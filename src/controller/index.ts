/** The modeled EPC controller (`epc controller`) and its clients. */
export { EpcController, CONTROL_SOCKET, CONTROL_SOCKET_MODE, ENCLAVE_SOCKET, ENCLAVE_SOCKET_MODE, type EpcControllerOptions } from './epc-controller.js';
export { ControlClient, type NodeInfo } from '../contracts/controller-api/control-client.js';
export { EnclaveClient, type SlotInfo } from '../contracts/controller-api/enclave-client.js';
export { ControllerApiError } from '../contracts/controller-api/unix-json-client.js';
export { STATUS_BY_CODE, statusOf, type ApiErrorCode } from '../contracts/controller-api/api-error.js';
export type { CgroupStatsReply, EnclaveInfo, EnclaveOpReply } from '../contracts/controller-api/api-replies.js';
