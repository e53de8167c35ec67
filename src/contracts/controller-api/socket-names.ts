/**
 * File names, modes and path rules of the controller's sockets in its socket dir. Their own module
 * so clients (the agent's model backend, the device plugin) can name them without loading the
 * controller and the EPC model.
 *
 * Layout: `<socketDir>/control.sock` (agent, operators) and one enclave socket per bound slot,
 * `<socketDir>/slots/<slot>/enclave.sock` (plus the controller's private `spare/`, see slot-sockets.ts). The per-slot socket is the pod's capability: Allocate
 * mounts only that slot's directory into the container, and the controller charges every
 * operation on it to the slot's cgroup (identity by attachment, as the device node is on hardware).
 */
import { basename, dirname, join } from 'node:path';
import { UNIX_SOCKET_PATH_MAX_BYTES } from '../../util/unix-socket-path.js';

/** Where the controller serves on a node, and where the agent and `epc doctor` look by default. */
export const DEFAULT_CONTROLLER_SOCKET_DIR = '/var/run/epc';
/** File name of the control socket in the socket dir. */
export const CONTROL_SOCKET = 'control.sock';
/** File name of a slot's enclave socket inside its slot directory. */
export const ENCLAVE_SOCKET = 'enclave.sock';
/** Subdirectory of the socket dir holding one directory per slot. */
export const SLOTS_DIR = 'slots';
/** control.sock: the agent and node operators only (the controller's own uid, root on nodes). */
export const CONTROL_SOCKET_MODE = 0o600;
/** A slot's enclave.sock: its pod connects through the mounted slot dir as any uid (e.g. 65532). */
export const ENCLAVE_SOCKET_MODE = 0o666;
/** slots/: traversable, not listable (a host user cannot enumerate the slots). */
export const SLOTS_DIR_MODE = 0o711;
/** slots/<slot>/: the container's /var/run/epc; any uid in the pod must reach its socket. */
export const SLOT_DIR_MODE = 0o755;
/** Longest slot ID the controller accepts (bounds the socket path; the plugin's are `enclave-N`). */
export const MAX_SLOT_ID_LENGTH = 32;
/** A slot ID as the device plugin hands out (`enclave-3`): it names a directory under slots/, so it
 *  starts with a letter or digit (never `.` or `..`) and is at most MAX_SLOT_ID_LENGTH long. */
export const SLOT_ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${MAX_SLOT_ID_LENGTH - 1}}$`);
/** The rule SLOT_ID_PATTERN enforces, in words (the controller's 400 and the workload's flag error). */
export const SLOT_ID_RULE = `slot IDs are 1-${MAX_SLOT_ID_LENGTH} of A-Z a-z 0-9 _ . : -, starting with a letter or digit`;
/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
export const UNIX_PATH_MAX = UNIX_SOCKET_PATH_MAX_BYTES;

/** The directory of a slot's enclave socket (what Allocate mounts at /var/run/epc). */
export function slotSocketDir(socketDir: string, slot: string): string {
  return join(socketDir, SLOTS_DIR, slot);
}

/** The host path of a slot's enclave socket. */
export function slotSocketPath(socketDir: string, slot: string): string {
  return join(slotSocketDir(socketDir, slot), ENCLAVE_SOCKET);
}

/** The longest socket path the controller may create under `socketDir` (a slot ID of maximal length). */
export function longestSocketPath(socketDir: string): string {
  return slotSocketPath(socketDir, 'x'.repeat(MAX_SLOT_ID_LENGTH));
}

/** The controller's socket dir from the agent's `--model-socket` value: the dir itself, or (the
 *  older form, when the controller had one shared socket) a path ending in `/enclave.sock`. */
export function modelSocketDirOf(value: string): string {
  return basename(value) === ENCLAVE_SOCKET ? dirname(value) : value;
}
