import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { rm } from 'node:fs/promises';
import { API_VERSION, type RegisterRequest } from '../../contracts/device-plugin-api.js';
import { validateResourceName } from '../../deviceplugin/plugin-spec.js';
import { devicePluginServices } from '../../contracts/load-proto.js';

/** A Register kubelet refuses; `code` is the gRPC status it answers with. */
export class RegisterRejected extends Error {
  constructor(
    message: string,
    readonly code: status = status.INVALID_ARGUMENT,
  ) {
    super(message);
  }
}

/** Kubelet's checks on a RegisterRequest; returns the problem or undefined. */
export function checkRegisterRequest(r: RegisterRequest): string | undefined {
  if (r.version !== API_VERSION) return `version ${JSON.stringify(r.version)} is not supported, want ${API_VERSION}`;
  const bad = validateResourceName(r.resource_name);
  if (bad) return bad;
  if (!r.endpoint || r.endpoint.includes('/') || r.endpoint === '.' || r.endpoint === '..') return `endpoint ${JSON.stringify(r.endpoint)} must be a socket file name in the device plugin directory`;
  return undefined;
}

/**
 * Serves `Registration` on kubelet.sock. `onRegister` runs inside the call (dial the plugin,
 * GetDevicePluginOptions): if it throws, Register fails with its message, as in kubelet.
 */
export class RegistrationServer {
  private server: Server | undefined;

  constructor(private readonly onRegister: (r: RegisterRequest) => Promise<void>) {}

  async listen(socketPath: string): Promise<void> {
    if (this.server) return;
    await rm(socketPath, { force: true });
    const server = new Server();
    server.addService(devicePluginServices().Registration.service, {
      Register: (call: ServerUnaryCall<RegisterRequest, object>, cb: sendUnaryData<object>) => {
        const problem = checkRegisterRequest(call.request);
        if (problem) return cb({ code: status.INVALID_ARGUMENT, details: problem });
        this.onRegister(call.request).then(
          () => cb(null, {}),
          (err: unknown) => cb({ code: err instanceof RegisterRejected ? err.code : status.UNKNOWN, details: (err as Error).message }),
        );
      },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    this.server = server;
  }

  close(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}
