import { parseCgroupPath } from '../contracts/cgroup-path.js';
import { EpcBackendError } from './epc-backend-error.js';

/**
 * A cgroup path in "/a/b" form (contracts/cgroup-path.ts rules), or EpcBackendError EINVAL naming
 * the path: how every backend method checks the path it is given.
 */
export function normalizeCgroupPath(path: string): string {
  const r = parseCgroupPath(path);
  if (!r.ok) throw new EpcBackendError('EINVAL', r.reason, { path: String(path) });
  return r.path;
}
