import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { EpcController } from '../../src/controller/epc-controller.js';
import { UnixJsonClient } from '../../src/contracts/controller-api/unix-json-client.js';
import { LatencyRecorder } from '../../src/workload/latency-recorder.js';
import { createLogger } from '../../src/util/logger.js';
import type { BenchFigure, BenchModule } from './bench-report.js';

const CALLS = 3000;

/**
 * Enclave API access round trip (16 resident pages per call) against a bare JSON echo over a
 * unix socket in the same process: what the controller adds on top of HTTP on a unix socket.
 */
const bench: BenchModule = {
  title: 'epc controller: enclave access round trip vs bare HTTP over a unix socket',
  async run(): Promise<BenchFigure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'epc-bench-ctl-'));
    const ctl = new EpcController({ socketDir: dir, capacityPages: 65536, costScale: 0, logger: createLogger('bench', 'silent') });
    await ctl.start();
    const echoPath = join(dir, 'echo.sock');
    const echo = createServer({ keepAlive: true }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const text = JSON.stringify({ ok: true, len: body.length });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    await new Promise<void>((r) => echo.listen(echoPath, r));
    const control = new ControlClient(ctl.controlSocket);
    const enc = new EnclaveClient(ctl.slotSocket('enclave-0'), 'enclave-0');
    const bare = new UnixJsonClient(echoPath);
    try {
      await control.mkdir('/pod');
      await control.bind('enclave-0', '/pod');
      await enc.create({ name: 'b' });
      await enc.add('b', 4096);
      await enc.init('b');
      const measure = async (fn: (i: number) => Promise<unknown>) => {
        for (let i = 0; i < 300; i++) await fn(i);
        const rec = new LatencyRecorder();
        for (let i = 0; i < CALLS; i++) {
          const t = performance.now();
          await fn(i);
          rec.record((performance.now() - t) * 1000);
        }
        return rec.summary();
      };
      const base = await measure(() => bare.call('POST', '/v1/enclaves/b/access', { slot: 'enclave-0', range: [0, 15] }));
      const acc = await measure((i) => enc.access('b', [[(i * 16) % 4080, ((i * 16) % 4080) + 15]]));
      return [
        { name: 'bare HTTP/JSON unix-socket round trip p50', value: base.p50, unit: 'µs' },
        { name: 'bare HTTP/JSON unix-socket round trip p99', value: base.p99, unit: 'µs' },
        { name: 'enclave access (16 resident pages) p50', value: acc.p50, unit: 'µs' },
        { name: 'enclave access (16 resident pages) p99', value: acc.p99, unit: 'µs' },
        { name: 'enclave access p50 / bare p50', value: acc.p50 / base.p50, unit: 'x', target: '<= 3' },
      ];
    } finally {
      enc.close();
      control.close();
      bare.close();
      await new Promise<void>((r) => {
        echo.close(() => r());
        echo.closeAllConnections();
      });
      await ctl.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
