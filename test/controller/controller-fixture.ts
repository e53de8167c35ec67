import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { EpcController, type EpcControllerOptions } from '../../src/controller/epc-controller.js';
import { createLogger } from '../../src/util/logger.js';

/** An in-process controller on real unix sockets in a temp dir, with clients. */
export interface ControllerFixture {
  dir: string;
  controller: EpcController;
  control: ControlClient;
  stop(): Promise<void>;
}

/** Starts a controller (cost scale 0 unless given) in a fresh temp dir. */
export async function startControllerFixture(opts: Partial<EpcControllerOptions> = {}): Promise<ControllerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'epc-ctl-'));
  const controller = new EpcController({ socketDir: dir, capacityPages: 1024, costScale: 0, logger: createLogger('controller-test', 'silent'), ...opts });
  await controller.start();
  const control = new ControlClient(controller.controlSocket);
  return {
    dir,
    controller,
    control,
    async stop() {
      control.close();
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends a raw request (any body text) over a unix socket; returns status and parsed JSON. */
export function rawRequest(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
        } catch (err) {
          reject(new Error(`non-JSON reply ${res.statusCode}: ${text}`, { cause: err }));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
