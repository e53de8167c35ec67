/**
 * Error codes of the controller's HTTP APIs: the model's errnos plus EPERM (fail-closed slot
 * checks), E2BIG (body too large) and ENOSYS (no such route). `STATUS_BY_CODE` is the ONE place
 * that maps them to HTTP status codes; clients map back by `error.code`, never by status.
 */
export type ApiErrorCode = 'EINVAL' | 'ERANGE' | 'ENOENT' | 'EBUSY' | 'ENOMEM' | 'EEXIST' | 'EPERM' | 'E2BIG' | 'ENOSYS' | 'EIO';

/** errno -> HTTP status. EBUSY is 409 (retry later / has children), ENOMEM 507 (out of EPC). */
export const STATUS_BY_CODE: Readonly<Record<ApiErrorCode, number>> = {
  EINVAL: 400,
  ERANGE: 400,
  ENOENT: 404,
  EPERM: 403,
  EEXIST: 409,
  EBUSY: 409,
  E2BIG: 413,
  ENOMEM: 507,
  ENOSYS: 404,
  EIO: 500,
};

/** Returns the HTTP status of an API error code (500 for anything unknown). */
export function statusOf(code: string): number {
  return (STATUS_BY_CODE as Record<string, number>)[code] ?? 500;
}

/** An expected API failure: becomes `{error: {code, message, field?}}` with `statusOf(code)`. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  /** Extra members merged into the JSON body (e.g. `done` and costs of a partial operation). */
  readonly extra: Record<string, unknown> | undefined;
  constructor(code: ApiErrorCode, message: string, opts: { field?: string; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = opts.field;
    this.extra = opts.extra;
  }
}
