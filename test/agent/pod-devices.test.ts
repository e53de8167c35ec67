/** The agent's narrow pod-resources List decoder against protobufjs (kubelet's full message, encoded from the .proto). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePodDevicesList, PodDevicesDecodeError } from '../../src/agent/pod-devices.js';
import { podResourcesService, type PodResourcesMsg } from '../../src/testbed/kubelet/index.js';

const List = (podResourcesService() as unknown as { service: { List: { responseSerialize: (v: unknown) => Buffer } } }).service.List;
const encode = (pods: unknown[]) => List.responseSerialize({ pod_resources: pods });
/** What the agent keeps of a full message. */
const narrow = (pods: PodResourcesMsg[]) => pods.map((p) => ({
  name: p.name, namespace: p.namespace,
  containers: p.containers.map((c) => ({ name: c.name, devices: c.devices.map((d) => ({ resource_name: d.resource_name, device_ids: d.device_ids })) })),
}));

const FULL: PodResourcesMsg[] = [
  {
    name: 'web-0', namespace: 'ns-ü', containers: [
      {
        name: 'app',
        devices: [{ resource_name: 'sgx.intel.com/enclave', device_ids: ['enclave-3', 'enclave-7'], topology: { nodes: [{ ID: 1 }] } } as never, { resource_name: 'sgx.intel.com/provision', device_ids: ['provision-3'] }],
        cpu_ids: [2, 3, 2 ** 40],
        memory: [{ memory_type: 'memory', size: 2 ** 33, topology: { nodes: [{ ID: 0 }] } }],
        dynamic_resources: [{ claim_name: 'gpu', claim_namespace: 'ns-ü', claim_resources: [{ cdi_devices: [{ name: 'x' }], driver_name: 'd', pool_name: 'p', device_name: 'n' }] }],
      },
      { name: 'side', devices: [], cpu_ids: [], memory: [], dynamic_resources: [] },
    ],
  },
  { name: 'plain', namespace: 'default', containers: [] },
];

describe('decodePodDevicesList', () => {
  it('keeps names and device IDs of a full List answer and skips cpu_ids, memory, dynamic resources and topology', () => {
    expect(decodePodDevicesList(encode(FULL))).toEqual(narrow(FULL));
  });

  it('an empty answer (zero bytes) is an empty list', () => {
    expect(decodePodDevicesList(Buffer.alloc(0))).toEqual([]);
  });

  it('skips fields of a newer kubelet (varint, fixed64, fixed32, bytes) at every level', () => {
    const unknown = Buffer.from([
      (9 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // varint of 10 bytes
      (10 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, // fixed64
      (11 << 3) | 5, 1, 2, 3, 4, // fixed32
      (12 << 3) | 2, 2, 0x61, 0x62, // bytes
    ]);
    const devices = Buffer.concat([Buffer.from([0x0a, 1, 0x45]), unknown, Buffer.from([0x12, 2, 0x65, 0x30])]); // resource "E", id "e0"
    const container = Buffer.concat([unknown, Buffer.from([0x0a, 1, 0x63, 0x12, devices.length]), devices]);
    const pod = Buffer.concat([Buffer.from([0x0a, 1, 0x70, 0x12, 1, 0x6e]), unknown, Buffer.from([0x1a, container.length]), container]);
    const list = Buffer.concat([unknown, Buffer.from([0x0a, pod.length]), pod, unknown]);
    expect(decodePodDevicesList(list)).toEqual([{ name: 'p', namespace: 'n', containers: [{ name: 'c', devices: [{ resource_name: 'E', device_ids: ['e0'] }] }] }]);
  });

  it.each([
    { name: 'truncated pod', bytes: encode(FULL).subarray(0, 20), match: /length \d+ at byte \d+ runs past the answer/ },
    { name: 'string past its message', bytes: Buffer.from([0x0a, 3, 0x0a, 5, 0x61, 0x62, 0x63, 0x64]), match: /string of 5 bytes at byte 4 runs past its message \(ends at byte 5\)/ },
    { name: 'field straddling its message', bytes: Buffer.from([0x0a, 2, (9 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]), match: /a field runs past its message \(ends at byte 4, read to 11\)/ },
    { name: 'truncated varint', bytes: Buffer.from([0x0a, 0x80]), match: /malformed pod-resources List answer at byte 2 of 2: index out of range/ },
    { name: 'unterminated group', bytes: Buffer.from([(9 << 3) | 3]), match: /malformed pod-resources List answer at byte 1 of 1/ },
    { name: 'truncated fixed64', bytes: Buffer.from([(9 << 3) | 1, 1, 2]), match: /malformed pod-resources List answer at byte 1 of 3: index out of range/ },
    { name: 'endless varint', bytes: Buffer.from([(9 << 3) | 0, ...Array(11).fill(0xff)]), match: /malformed pod-resources List answer at byte 12 of 12/ },
    { name: 'invalid wire type', bytes: Buffer.from([(9 << 3) | 7]), match: /malformed pod-resources List answer at byte 1 of 1: invalid wire type 7/ },
  ])('malformed bytes are a PodDevicesDecodeError naming the cause: $name', ({ bytes, match }) => {
    expect(() => decodePodDevicesList(bytes)).toThrow(PodDevicesDecodeError);
    expect(() => decodePodDevicesList(bytes)).toThrow(match);
  });

  it('agrees with protobufjs on random List answers', () => {
    const str = fc.string({ maxLength: 12, unit: 'binary' });
    const msg = fc.array(fc.record({
      name: str, namespace: str,
      containers: fc.array(fc.record({
        name: str,
        devices: fc.array(fc.record({ resource_name: str, device_ids: fc.array(str, { maxLength: 4 }) }), { maxLength: 3 }),
        cpu_ids: fc.array(fc.nat(), { maxLength: 3 }),
        memory: fc.constant([] as unknown[]),
        dynamic_resources: fc.constant([] as unknown[]),
      }), { maxLength: 3 }),
    }), { maxLength: 5 });
    fc.assert(fc.property(msg, (pods) => {
      expect(decodePodDevicesList(encode(pods))).toEqual(narrow(pods as PodResourcesMsg[]));
    }), { numRuns: 100 });
  });
});
