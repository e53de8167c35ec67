import { credentials, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicePluginServices } from '../../src/contracts/load-proto.js';
import { PRIVATE_CHANNEL_OPTIONS } from '../../src/contracts/grpc-channel.js';
import { startSgxPlugins } from '../../src/deviceplugin/sgx/start-sgx-plugins.js';
import { ECHO, serveEcho } from './echo-server.js';
import { measureInterleaved } from './interleave.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const CALLS = 5000;
const WARMUP = 300;

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;

/**
 * Allocate and PreStartContainer of the SGX enclave plugin (model mode, default hook) over its
 * unix socket, against a bare grpc-js unary echo on a unix socket in the same process and run.
 */
const bench: BenchModule = {
  title: 'device plugin: Allocate / PreStartContainer vs bare grpc-js unary echo over a unix socket',
  async run(): Promise<BenchFigure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'epc-bench-dp-'));
    await writeFile(join(dir, 'control.sock'), '');
    const plugins = await startSgxPlugins({ pluginDir: dir, modelSocketDir: dir, provisionSlots: 0 });
    const echoPath = join(dir, 'echo.sock');
    const echoServer = await serveEcho(echoPath);
    const { DevicePlugin } = devicePluginServices();
    const dp = new DevicePlugin(`unix:${plugins.plugins[0].socketPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    const Echo = makeGenericClientConstructor(ECHO, 'Echo');
    const echo = new Echo(`unix:${echoPath}`, credentials.createInsecure(), PRIVATE_CHANNEL_OPTIONS) as unknown as Client & Record<string, Unary>;
    const p = (c: Record<string, Unary>, m: string, req: unknown) => new Promise((res, rej) => c[m](req, (e, r) => (e ? rej(e) : res(r))));
    const allocReq = (i: number) => ({ container_requests: [{ devices_ids: [`enclave-${i % 110}`] }] });
    const payload = DevicePlugin.service.Allocate.requestSerialize(allocReq(7));
    try {
      const [base, alloc, pre] = await measureInterleaved([
        () => p(echo, 'Echo', payload),
        (i) => p(dp, 'Allocate', allocReq(i)),
        (i) => p(dp, 'PreStartContainer', { devices_ids: [`enclave-${i % 110}`] }),
      ], { calls: CALLS, warmup: WARMUP });
      const [b50, b99, a50, a99, s50, s99] = [base.p50, base.p99, alloc.p50, alloc.p99, pre.p50, pre.p99];
      return [
        { name: 'bare grpc-js unary echo p50', value: b50, unit: 'µs' },
        { name: 'bare grpc-js unary echo p99', value: b99, unit: 'µs' },
        { name: 'Allocate (1 enclave slot, model mode) p50', value: a50, unit: 'µs' },
        { name: 'Allocate (1 enclave slot, model mode) p99', value: a99, unit: 'µs' },
        { name: 'PreStartContainer (default hook) p50', value: s50, unit: 'µs' },
        { name: 'PreStartContainer (default hook) p99', value: s99, unit: 'µs' },
        { name: 'Allocate p50 / bare echo p50', value: a50 / b50, unit: 'x' },
        { name: 'PreStartContainer p50 / bare echo p50', value: s50 / b50, unit: 'x' },
        { name: 'Allocate p99 / bare echo p99', value: a99 / b99, unit: 'x', target: '<= 1.5' },
        { name: 'PreStartContainer p99 / bare echo p99', value: s99 / b99, unit: 'x', target: '<= 1.5' },
      ];
    } finally {
      dp.close();
      echo.close();
      echoServer.forceShutdown();
      await plugins.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
