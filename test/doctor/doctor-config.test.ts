/** `epc doctor` flags -> frozen config (pure, no process): every bad value names its flag. */
import { describe, expect, it } from 'vitest';
import { buildDoctorConfig, DOCTOR_DEFAULTS, type DoctorFlags } from '../../src/doctor/doctor-config.js';
import { expectConfigError, expectDeepFrozen } from '../helpers/config-builder.js';

const FLAGS: DoctorFlags = { ...DOCTOR_DEFAULTS };

describe('buildDoctorConfig', () => {
  it('defaults parse', () => {
    expect(buildDoctorConfig(FLAGS)).toEqual({ root: '/', kubeletDir: '/var/lib/kubelet', cgroupDir: '/sys/fs/cgroup', controllerSocketDir: '/var/run/epc', kubeconfig: undefined, json: false });
  });
  it('does not touch the file system: a missing --root or --kubeconfig is the entry\'s check', () => {
    expect(buildDoctorConfig({ ...FLAGS, root: '/nonexistent/host', kubeconfig: '/nonexistent/kc', json: true })).toMatchObject({ root: '/nonexistent/host', kubeconfig: '/nonexistent/kc', json: true });
  });
  it('is frozen', () => {
    const cfg = buildDoctorConfig(FLAGS);
    expectDeepFrozen(cfg);
    expect(() => {
      (cfg as { root: string }).root = '/host';
    }).toThrow(TypeError);
  });
  it.each([
    ['--root', { root: '' }, /--root must not be empty/],
    ['--kubelet-dir', { kubeletDir: 'var/lib/kubelet' }, /--kubelet-dir must be an absolute path on the node, got "var\/lib\/kubelet"/],
    ['--cgroup-dir', { cgroupDir: 'sys/fs/cgroup' }, /--cgroup-dir must be an absolute path/],
    ['--controller-socket-dir', { controllerSocketDir: 'run/epc' }, /--controller-socket-dir must be an absolute path/],
    ['--kubeconfig', { kubeconfig: ' ' }, /--kubeconfig must not be empty/],
  ] as const)('%s: %o', (flag, patch, msg) => {
    expectConfigError(() => buildDoctorConfig({ ...FLAGS, ...patch }), flag, msg);
  });
});
