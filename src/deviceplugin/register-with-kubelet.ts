import { credentials, type ServiceError } from '@grpc/grpc-js';
import { join } from 'node:path';
import { API_VERSION, KUBELET_SOCKET_NAME, type DevicePluginOptions } from '../contracts/device-plugin-api.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../contracts/grpc-channel.js';
import { devicePluginServices } from '../contracts/load-proto.js';


export interface RegisterParams {
  dir: string;
  endpoint: string;
  resourceName: string;
  options: DevicePluginOptions;
  timeoutMs: number;
  /** Aborting cancels the call at once (the plugin is stopping). */
  signal?: AbortSignal;
}

/** Calls kubelet's Registration.Register once. Rejects with the gRPC error (message names the cause). */
export function registerWithKubelet(p: RegisterParams): Promise<void> {
  const { Registration } = devicePluginServices();
  const client = new Registration(`unix:${join(p.dir, KUBELET_SOCKET_NAME)}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS);
  return new Promise<void>((resolve, reject) => {
    if (p.signal?.aborted) {
      client.close();
      return reject(new Error('registration cancelled: plugin stopping'));
    }
    const onAbort = () => call.cancel();
    const call = client.Register(
      { version: API_VERSION, endpoint: p.endpoint, resource_name: p.resourceName, options: p.options },
      { deadline: Date.now() + p.timeoutMs },
      (err: ServiceError | null) => {
        p.signal?.removeEventListener('abort', onAbort);
        client.close();
        if (err) reject(err);
        else resolve();
      },
    );
    p.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
