import type { Device } from '../contracts/device-plugin-api.js';

/** Bytes of a protobuf varint. */
function varintLen(n: number): number {
  if (n < 0) return 10; // negative int64: sign-extended to 10 bytes
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Bytes of a length-delimited field (1-byte tag) holding `len` bytes. */
function fieldLen(len: number): number {
  return 1 + varintLen(len) + len;
}

/**
 * Encoded size of one Device message body (ID, health, topology). protobufjs (under grpc-js)
 * writes every field that is set, zero values included, so set fields always count.
 */
export function deviceBytes(d: Device): number {
  let n = 0;
  if (d.ID != null) n += fieldLen(Buffer.byteLength(d.ID));
  if (d.health != null) n += fieldLen(Buffer.byteLength(d.health));
  if (d.topology != null) {
    let t = 0;
    for (const node of d.topology.nodes ?? []) t += fieldLen(node.ID != null ? 1 + varintLen(node.ID) : 0);
    n += fieldLen(t);
  }
  return n;
}

/**
 * Exact encoded size of a ListAndWatchResponse carrying `devices` (pure arithmetic, no
 * encoding): what kubelet's 4 MiB receive limit is checked against.
 */
export function listAndWatchBytes(devices: readonly Device[]): number {
  let n = 0;
  for (const d of devices) n += fieldLen(deviceBytes(d));
  return n;
}
