/**
 * Pure: the part of a pod-resources v1 `ListPodResourcesResponse` the agent uses (pod and
 * container names, device IDs per resource), read straight from the protobuf bytes. Every other
 * field (cpu_ids, memory, dynamic_resources, topology, fields of newer kubelets) is skipped by its
 * wire type without being decoded, so a List of a full node allocates little on the PreStart path.
 */

/** pod-resources `ContainerDevices` as far as the agent reads it. */
export interface PodDeviceIds {
  resource_name: string;
  device_ids: string[];
}

/** pod-resources `PodResources` as far as the agent reads it (kubelet's full message is assignable). */
export interface PodDevices {
  name: string;
  namespace: string;
  containers: { name: string; devices: PodDeviceIds[] }[];
}

/** Malformed protobuf bytes; the message names the offset and what was wrong. */
export class PodDevicesDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodDevicesDecodeError';
  }
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** A cursor over one buffer; `end` bounds the current (sub)message. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(end: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new PodDevicesDecodeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      // Lengths and tags fit in 2^53; larger varints (skipped int64 values) only need to be consumed.
      if (i < 8) result += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return result;
    }
    throw new PodDevicesDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** The end offset of a length-delimited field that starts at `pos`. */
  len(end: number): number {
    const n = this.varint(end);
    const e = this.pos + n;
    if (e > end) throw new PodDevicesDecodeError(`length ${n} at byte ${this.pos} runs past its message (ends at ${end})`);
    return e;
  }

  string(end: number): string {
    const e = this.len(end);
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case VARINT:
        this.varint(end);
        return;
      case I64:
        this.pos += 8;
        break;
      case LEN:
        this.pos = this.len(end);
        return;
      case I32:
        this.pos += 4;
        break;
      default:
        throw new PodDevicesDecodeError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
    if (this.pos > end) throw new PodDevicesDecodeError(`truncated fixed-size field before byte ${end}`);
  }
}

/**
 * Appends to an array that is usually left with one element: the first element makes an array of
 * exactly one slot (`push` onto `[]` would reserve 17), which keeps a full node's List small.
 */
function add<T>(arr: T[], x: T): T[] {
  if (arr.length === 0) return [x];
  arr.push(x);
  return arr;
}

/** Decodes a `ListPodResourcesResponse` (or throws PodDevicesDecodeError). */
export function decodePodDevicesList(bytes: Uint8Array): PodDevices[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf);
  const out: PodDevices[] = [];
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === ((1 << 3) | LEN)) out.push(pod(r, r.len(end)));
    else r.skip(tag & 7, end);
  }
  return out;
}

function pod(r: Reader, end: number): PodDevices {
  const p: PodDevices = { name: '', namespace: '', containers: [] };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === ((1 << 3) | LEN)) p.name = r.string(end);
    else if (tag === ((2 << 3) | LEN)) p.namespace = r.string(end);
    else if (tag === ((3 << 3) | LEN)) p.containers = add(p.containers, container(r, r.len(end)));
    else r.skip(tag & 7, end);
  }
  return p;
}

function container(r: Reader, end: number): PodDevices['containers'][number] {
  const c: PodDevices['containers'][number] = { name: '', devices: [] };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === ((1 << 3) | LEN)) c.name = r.string(end);
    else if (tag === ((2 << 3) | LEN)) c.devices = add(c.devices, devices(r, r.len(end)));
    else r.skip(tag & 7, end);
  }
  return c;
}

function devices(r: Reader, end: number): PodDeviceIds {
  const d: PodDeviceIds = { resource_name: '', device_ids: [] };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === ((1 << 3) | LEN)) d.resource_name = r.string(end);
    else if (tag === ((2 << 3) | LEN)) d.device_ids = add(d.device_ids, r.string(end));
    else r.skip(tag & 7, end);
  }
  return d;
}
