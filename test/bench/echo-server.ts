/**
 * A bare grpc-js unary echo, the benches' baseline (serveEcho: in the calling process, as the
 * device plugin bench and the agent bench's informational one use it). Run as a script it is the
 * echo in its own process, for the agent bench: the PreStartContainer it is compared with crosses
 * into another process (the agent), so the baseline does too (same wake-up of an idle process,
 * same scheduling). Usage: `node --import tsx echo-server.ts <socket>`;
 * prints `READY` once it serves; SIGTERM stops it.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';

export const ECHO = {
  Echo: {
    path: '/bench.Echo/Echo', requestStream: false, responseStream: false,
    requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
  },
};

/** Serves the echo on `unix:<path>`; resolves with the server once bound. */
export async function serveEcho(path: string): Promise<Server> {
  const server = new Server();
  server.addService(ECHO, { Echo: (c: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, c.request) });
  await new Promise<void>((res, rej) => server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  return server;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.argv[2]) {
  const server = await serveEcho(process.argv[2]);
  process.stdout.write('READY\n');
  process.on('SIGTERM', () => {
    server.forceShutdown();
    process.exit(0);
  });
}
