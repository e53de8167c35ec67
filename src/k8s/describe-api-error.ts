/**
 * One-line text for an error from client-node: its ApiException carries the HTTP code and the
 * raw Status JSON in `body`; connection failures are plain errors (with a `cause`).
 */
export interface ApiErrorInfo {
  /** HTTP status code, when the server answered. */
  code?: number;
  /** Status.reason (NotFound, Conflict, Invalid, ...), when the body was a Status. */
  reason?: string;
  message: string;
}

/** Extracts code, reason and the server's message (or the transport error) from `err`. */
export function describeApiError(err: unknown): ApiErrorInfo {
  const e = err as { code?: unknown; body?: unknown; message?: unknown; cause?: { message?: unknown } };
  const code = typeof e?.code === 'number' ? e.code : undefined;
  let status: { reason?: unknown; message?: unknown } | undefined;
  if (typeof e?.body === 'string') {
    try {
      status = JSON.parse(e.body);
    } catch {
      status = { message: e.body };
    }
  } else if (typeof e?.body === 'object' && e.body !== null) status = e.body as typeof status;
  if (code !== undefined) {
    return {
      code,
      reason: typeof status?.reason === 'string' ? status.reason : undefined,
      message: typeof status?.message === 'string' && status.message !== '' ? status.message : `HTTP ${code}`,
    };
  }
  const base = typeof e?.message === 'string' ? e.message : String(err);
  const cause = typeof e?.cause?.message === 'string' ? `: ${e.cause.message}` : '';
  return { message: base + cause };
}

/** `describeApiError` as one line for a log or a result: `404 NotFound nodes "n1" not found`. */
export function apiErrorLine(err: unknown): string {
  const info = describeApiError(err);
  return info.code ? `${info.code} ${info.reason ?? ''} ${info.message}`.replace(/\s+/g, ' ') : info.message;
}
