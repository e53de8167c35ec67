import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EpcController } from '../../src/controller/epc-controller.js';
import { SocketInUseError } from '../../src/controller/unix-socket-server.js';
import { createLogger } from '../../src/util/logger.js';
import { rawRequest } from './controller-fixture.js';

describe('EpcController lifecycle', () => {
  let dir: string;
  const make = () => new EpcController({ socketDir: dir, capacityPages: 64, costScale: 0, logger: createLogger('t', 'silent') });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epc-life-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stop is safe before start and twice; start is idempotent; stop removes both sockets', async () => {
    const c = make();
    await c.stop();
    await c.start();
    await c.start();
    expect((await rawRequest(c.enclaveSocket, 'GET', '/healthz')).json).toEqual({ ok: true });
    await c.stop();
    await c.stop();
    await expect(c.start()).rejects.toThrow(/stopped/);
    expect(existsSync(c.controlSocket)).toBe(false);
    expect(existsSync(c.enclaveSocket)).toBe(false);
  });

  it('refuses a live socket without touching it, and a non-socket file in its place', async () => {
    const a = make();
    await a.start();
    const b = make();
    await expect(b.start()).rejects.toBeInstanceOf(SocketInUseError);
    expect((await rawRequest(a.controlSocket, 'GET', '/healthz')).status).toBe(200);
    await a.stop();
    await writeFile(join(dir, 'control.sock'), 'not a socket');
    await expect(make().start()).rejects.toThrow(/not a socket/);
    expect(existsSync(join(dir, 'enclave.sock'))).toBe(false);
  });
});
