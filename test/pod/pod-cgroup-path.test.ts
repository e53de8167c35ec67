import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroupDriver } from '../../src/k8s/detect-cgroup-driver.js';
import { podCgroupPath, PodCgroupPathError, type CgroupDriver } from '../../src/pod/pod-cgroup-path.js';
import type { PodLike } from '../../src/pod/pod-like.js';

const UID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const U_ = '1b4e28ba_2fa1_11d2_883f_0016d3cca427';
const withQos = (qosClass: string, uid: string = UID): PodLike => ({ metadata: { uid, namespace: 'ns', name: 'p' }, status: { qosClass } });

describe('podCgroupPath', () => {
  const cases: Array<[string, PodLike, CgroupDriver, string]> = [
    ['systemd burstable', withQos('Burstable'), 'systemd', `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U_}.slice`],
    ['systemd besteffort', withQos('BestEffort'), 'systemd', `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U_}.slice`],
    ['systemd guaranteed', withQos('Guaranteed'), 'systemd', `kubepods.slice/kubepods-pod${U_}.slice`],
    ['cgroupfs burstable', withQos('Burstable'), 'cgroupfs', `kubepods/burstable/pod${UID}`],
    ['cgroupfs besteffort', withQos('BestEffort'), 'cgroupfs', `kubepods/besteffort/pod${UID}`],
    ['cgroupfs guaranteed', withQos('Guaranteed'), 'cgroupfs', `kubepods/pod${UID}`],
    [
      'QoS computed from the spec when status has none',
      { metadata: { uid: UID }, spec: { containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' } } }] } },
      'cgroupfs',
      `kubepods/pod${UID}`,
    ],
  ];
  it.each(cases)('%s', (_name, pod, driver, want) => {
    expect(podCgroupPath(pod, driver)).toBe(want);
  });

  const bad: Array<[string, PodLike, string]> = [
    ['missing uid', { metadata: { namespace: 'ns', name: 'p' } }, 'pod ns/p has no metadata.uid'],
    ['path traversal in uid', withQos('Burstable', '../../etc'), 'is not a valid UID'],
    ['slash in uid', withQos('Burstable', 'a/b'), 'is not a valid UID'],
  ];
  it.each(bad)('rejects %s', (_name, pod, msg) => {
    expect(() => podCgroupPath(pod, 'systemd')).toThrow(PodCgroupPathError);
    expect(() => podCgroupPath(pod, 'systemd')).toThrow(msg);
  });

  it('rejects an unknown driver', () => {
    expect(() => podCgroupPath(withQos('Burstable'), 'lxc' as CgroupDriver)).toThrow('unknown cgroup driver "lxc"');
  });
});

describe('detectCgroupDriver', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });
  const cases: Array<[string, string[], CgroupDriver | undefined]> = [
    ['systemd', ['kubepods.slice'], 'systemd'],
    ['cgroupfs', ['kubepods'], 'cgroupfs'],
    ['neither', ['system.slice'], undefined],
    ['both is ambiguous', ['kubepods', 'kubepods.slice'], undefined],
  ];
  it.each(cases)('%s', async (_name, dirs, want) => {
    root = await mkdtemp(join(tmpdir(), 'epc-cgdrv-'));
    for (const d of dirs) await mkdir(join(root, d));
    expect(await detectCgroupDriver(root)).toBe(want);
  });
  it('a missing root is unknown, not an error', async () => {
    expect(await detectCgroupDriver('/nonexistent/epc-test-root')).toBeUndefined();
  });
});
