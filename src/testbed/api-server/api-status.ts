/**
 * Kubernetes `Status` objects (meta/v1) and the error that carries one through the double's
 * handlers. Shapes and messages follow apimachinery `k8s.io/apimachinery/pkg/api/errors`.
 */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** The meta/v1 Status the real API server returns for failures (and some successes). */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** An expected API failure: `status` is sent as the response body with `status.code`. */
export class ApiError extends Error {
  constructor(readonly status: ApiStatus) {
    super(status.message);
    this.name = 'ApiError';
  }
}

function failure(code: number, reason: string, message: string, details?: ApiStatus['details']): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** Resource naming for messages: plural (`pods`) plus API group ('' for core). */
export interface ResourceRef {
  resource: string;
  group: string;
}

const qualified = (r: ResourceRef): string => (r.group ? `${r.resource}.${r.group}` : r.resource);

export const notFound = (r: ResourceRef, name: string): ApiError =>
  failure(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource });

export const pathNotFound = (): ApiError => failure(404, 'NotFound', 'the server could not find the requested resource', {});

export const alreadyExists = (r: ResourceRef, name: string): ApiError =>
  failure(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource });

export const conflict = (r: ResourceRef, name: string, why: string): ApiError =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group || undefined, kind: r.resource });

export const badRequest = (message: string): ApiError => failure(400, 'BadRequest', message);

export const methodNotAllowed = (method: string): ApiError =>
  failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`, {});

export const unsupportedMediaType = (got: string, accepted: readonly string[]): ApiError =>
  failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${JSON.stringify(got)}) - accepted media types include: ${accepted.join(', ')}`,
  );

export const tooLarge = (limit: number): ApiError => failure(413, 'RequestEntityTooLarge', `the request body is larger than ${limit} bytes`);

export const expired = (requested: string, oldest: string): ApiError =>
  failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

/** 422 Invalid: `<Kind> "<name>" is invalid: <field>: <detail>` with one cause per field. */
export function invalid(kind: string, name: string, causes: StatusCause[]): ApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, { name, kind, causes });
}

/** A cause for `invalid`: FieldValueRequired / FieldValueInvalid etc. */
export const cause = (reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueNotSupported', field: string, message: string): StatusCause => ({
  reason,
  field,
  message,
});

/** Success Status (returned e.g. by a collection delete). */
export function success(details?: ApiStatus['details']): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', ...(details ? { details } : {}), code: 200 };
}
