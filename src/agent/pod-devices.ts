/**
 * Pure: the part of a pod-resources v1 `ListPodResourcesResponse` the agent uses (pod and
 * container names, device IDs per resource), read from the protobuf bytes with protobufjs's wire
 * `Reader`. Every other field (cpu_ids, memory, dynamic_resources, topology, fields of newer
 * kubelets) is skipped by its wire type without being decoded, so a List of a full node
 * allocates little on the PreStart path (a full decode + toObject was most of the agent's garbage).
 */
import protobuf from 'protobufjs/minimal.js';

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

type Reader = protobuf.Reader;

/** Wire tags (field number << 3 | wire type 2, length-delimited) of the fields the agent reads. */
const FIELD_1 = (1 << 3) | 2;
const FIELD_2 = (2 << 3) | 2;
const FIELD_3 = (3 << 3) | 2;

/** Decodes a `ListPodResourcesResponse` (or throws PodDevicesDecodeError). */
export function decodePodDevicesList(bytes: Uint8Array): PodDevices[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = protobuf.Reader.create(buf);
  const out: PodDevices[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === FIELD_1) out.push(pod(r, subEnd(r)));
      else r.skipType(tag & 7);
    }
  } catch (err) {
    if (err instanceof PodDevicesDecodeError) throw err;
    throw new PodDevicesDecodeError(`malformed pod-resources List answer at byte ${r.pos} of ${r.len}: ${(err as Error).message}`);
  }
  return out;
}

/** The end offset of the length-delimited submessage whose length prefix is next. */
function subEnd(r: Reader): number {
  const n = r.uint32();
  const end = r.pos + n;
  if (end > r.len) throw new PodDevicesDecodeError(`length ${n} at byte ${r.pos} runs past the answer (${r.len} bytes)`);
  return end;
}

/**
 * A string field bounded by its message. (protobufjs's `string()` on a Buffer clamps a length that
 * runs past the buffer instead of failing, so the bound is checked here.)
 */
function str(r: Reader, end: number): string {
  const n = r.uint32();
  const start = r.pos;
  if (start + n > end) throw new PodDevicesDecodeError(`string of ${n} bytes at byte ${start} runs past its message (ends at byte ${end})`);
  r.pos = start + n;
  return (r.buf as Buffer).toString('utf8', start, r.pos);
}

/** Checks a submessage ended exactly at its bound (a field must not straddle it). */
function closed(r: Reader, end: number): void {
  if (r.pos !== end) throw new PodDevicesDecodeError(`a field runs past its message (ends at byte ${end}, read to ${r.pos})`);
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

function pod(r: Reader, end: number): PodDevices {
  const p: PodDevices = { name: '', namespace: '', containers: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === FIELD_1) p.name = str(r, end);
    else if (tag === FIELD_2) p.namespace = str(r, end);
    else if (tag === FIELD_3) p.containers = add(p.containers, container(r, subEnd(r)));
    else r.skipType(tag & 7);
  }
  closed(r, end);
  return p;
}

function container(r: Reader, end: number): PodDevices['containers'][number] {
  const c: PodDevices['containers'][number] = { name: '', devices: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === FIELD_1) c.name = str(r, end);
    else if (tag === FIELD_2) c.devices = add(c.devices, devices(r, subEnd(r)));
    else r.skipType(tag & 7);
  }
  closed(r, end);
  return c;
}

function devices(r: Reader, end: number): PodDeviceIds {
  const d: PodDeviceIds = { resource_name: '', device_ids: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === FIELD_1) d.resource_name = str(r, end);
    else if (tag === FIELD_2) d.device_ids = add(d.device_ids, str(r, end));
    else r.skipType(tag & 7);
  }
  closed(r, end);
  return d;
}
