import type { ContainerAllocateResponse } from '../../contracts/device-plugin-api.js';

/**
 * The environment a container runtime would give the container from the device plugins' Allocate
 * answers, with one twist: the demo runs the "container" as a host process, so an env value
 * naming a mounted container path, or a path below a mounted directory, is rewritten to the host
 * path (EPC_ENCLAVE_SOCKET /var/run/epc/enclave.sock -> the controller's slots/<slot>/enclave.sock).
 * Later responses win, as env merging in kubelet does.
 */
export function containerEnv(responses: Record<string, ContainerAllocateResponse>): Record<string, string> {
  const env: Record<string, string> = {};
  const hostOf = new Map<string, string>();
  for (const r of Object.values(responses)) {
    for (const m of r.mounts ?? []) hostOf.set(m.container_path, m.host_path);
    Object.assign(env, r.envs ?? {});
  }
  for (const [k, v] of Object.entries(env)) {
    const host = hostOf.get(v);
    if (host !== undefined) {
      env[k] = host;
      continue;
    }
    for (const [container, hostPath] of hostOf) {
      if (v.startsWith(`${container}/`)) env[k] = hostPath + v.slice(container.length);
    }
  }
  return env;
}
