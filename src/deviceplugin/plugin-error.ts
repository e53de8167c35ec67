import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';

/** A request the plugin refuses, with the gRPC status it maps to (INVALID_ARGUMENT by default). */
export class DevicePluginError extends Error {
  constructor(
    message: string,
    readonly code: status = status.INVALID_ARGUMENT,
  ) {
    super(message);
    this.name = 'DevicePluginError';
  }
}

/**
 * The one place errors become gRPC statuses. DevicePluginError keeps its code; an error carrying
 * a numeric `grpcCode` (e.g. from a PreStart hook) keeps that; anything else from a hook becomes
 * FAILED_PRECONDITION with the error's message, so kubelet shows it and retries the start.
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  let code: status = status.FAILED_PRECONDITION;
  if (err instanceof DevicePluginError) code = err.code;
  else if (err && typeof (err as { grpcCode?: unknown }).grpcCode === 'number') code = (err as { grpcCode: number }).grpcCode;
  const message = err instanceof Error ? err.message : String(err);
  return { code, details: message, message, metadata: new Metadata() };
}
