/** Error codes a backend reports: the kernel's errnos plus transport/support failures. */
export type EpcBackendErrorCode =
  | 'EINVAL' | 'ERANGE' | 'ENOENT' | 'EBUSY' | 'ENOMEM' | 'EEXIST' | 'EPERM' | 'EACCES'
  | 'ENOTSUP' // the kernel (or controller) has no sgx_epc misc resource
  | 'EIO';    // anything else: transport failure, unexpected file content

/**
 * The one error type both backends throw, so callers branch on `code` and not on which backend
 * they talk to. `path` names the cgroup (or file) involved.
 */
export class EpcBackendError extends Error {
  readonly code: EpcBackendErrorCode;
  readonly path: string | undefined;
  constructor(code: EpcBackendErrorCode, message: string, opts: { path?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EpcBackendError';
    this.code = code;
    this.path = opts.path;
  }
}

const KNOWN: ReadonlySet<string> = new Set(['EINVAL', 'ERANGE', 'ENOENT', 'EBUSY', 'ENOMEM', 'EEXIST', 'EPERM', 'EACCES', 'ENOTSUP']);

/** Maps a code from fs (`err.code`) or the controller (`error.code`) to ours; unknown -> EIO. */
export function toBackendCode(code: unknown): EpcBackendErrorCode {
  if (code === 'EOPNOTSUPP') return 'ENOTSUP';
  if (code === 'ENOTEMPTY') return 'EBUSY';
  return typeof code === 'string' && KNOWN.has(code) ? (code as EpcBackendErrorCode) : 'EIO';
}
