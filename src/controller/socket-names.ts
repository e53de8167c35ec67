/**
 * File names and modes of the controller's two sockets in its socket dir. Their own module so
 * clients (the agent's model backend) can name them without loading the controller and the EPC model.
 */

/** File names of the two sockets in the socket dir. */
export const CONTROL_SOCKET = 'control.sock';
export const ENCLAVE_SOCKET = 'enclave.sock';
/** control.sock: the agent and node operators only (the controller's own uid, root on nodes). */
export const CONTROL_SOCKET_MODE = 0o600;
/** enclave.sock: pods connect through a hostPath/device-plugin mount as any uid (e.g. 65532). */
export const ENCLAVE_SOCKET_MODE = 0o666;
