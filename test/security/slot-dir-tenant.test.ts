/**
 * A tenant with its slot directory mounted at /var/run/epc (model mode): what it can leave or
 * swap there, and what the controller then does. Real controller on real unix sockets; the
 * read-only mount is a real bind mount in a private mount namespace (`unshare -m`, root only).
 *
 * - The Allocate mount is read-only: the tenant can still connect to enclave.sock (a unix socket
 *   needs no write access to its mount) but cannot create, remove or swap anything there.
 * - Should something else than a socket sit at enclave.sock when the slot is bound again (a
 *   directory, a symlink to control.sock, a file), the controller removes it without following it
 *   and serves the slot; control.sock is untouched.
 */
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_SOCKET, slotSocketDir, slotSocketPath } from '../../src/contracts/controller-api/socket-names.js';
import { enclaveResponse } from '../../src/deviceplugin/sgx/sgx-allocators.js';
import { rawRequest, startControllerFixture, type ControllerFixture } from '../controller/controller-fixture.js';

const run = promisify(execFile);
const SLOT = 'enclave-7';

describe('a tenant swapping its slot socket between unbind and the next bind', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await startControllerFixture();
    await f.control.mkdir('/pod-a');
    await f.control.mkdir('/pod-b');
  });
  afterEach(async () => f.stop());

  const swaps: Array<[string, (sock: string, dir: string) => void]> = [
    ['a directory (unlink cannot remove it)', (sock) => {
      mkdirSync(sock);
      writeFileSync(join(sock, 'junk'), 'x');
    }],
    ['a symlink to control.sock', (sock, dir) => symlinkSync(join(dir, CONTROL_SOCKET), sock)],
    ['a symlink to a dangling path', (sock) => symlinkSync('/nonexistent/enclave.sock', sock)],
    ['a regular file', (sock) => writeFileSync(sock, 'x')],
  ];

  it.each(swaps)('%s: the next pod\'s bind serves a socket; control.sock unchanged', async (_name, swap) => {
    await f.control.bind(SLOT, '/pod-a');
    const sock = slotSocketPath(f.dir, SLOT);
    expect(lstatSync(sock).isSocket()).toBe(true);
    const controlBefore = statSync(join(f.dir, CONTROL_SOCKET));
    // the tenant, root in its container, replaces the socket while its pod runs
    unlinkSync(sock);
    swap(sock, f.dir);
    await f.control.unbind(SLOT); // its pod ended
    if (lstatSync(sock, { throwIfNoEntry: false })) expect(lstatSync(sock).isSocket()).toBe(false); // what survived the unbind
    await f.control.bind(SLOT, '/pod-b'); // the next pod gets the slot
    expect(lstatSync(sock).isSocket()).toBe(true);
    const self = await rawRequest(sock, 'GET', '/v1/self');
    expect(self.status).toBe(200);
    expect(JSON.stringify(self.json)).toContain('/pod-b');
    const controlAfter = statSync(join(f.dir, CONTROL_SOCKET));
    expect([controlAfter.isSocket(), controlAfter.mode & 0o7777, controlAfter.ino]).toEqual([true, controlBefore.mode & 0o7777, controlBefore.ino]);
    expect(readdirSync(slotSocketDir(f.dir, SLOT))).toEqual(['enclave.sock']);
  });
});

const canMount = await run('unshare', ['-m', 'true']).then(() => process.getuid?.() === 0, () => false);
if (!canMount) console.log('slot-dir-tenant: skipping the read-only mount test: needs root and `unshare -m` (a private mount namespace)');

describe.skipIf(!canMount)('the slot directory as Allocate mounts it (real bind mount in a private mount namespace)', () => {
  let f: ControllerFixture;
  let work: string;
  beforeEach(async () => {
    f = await startControllerFixture();
    await f.control.mkdir('/pod-a');
    await f.control.bind(SLOT, '/pod-a');
    work = await mkdtemp(join(tmpdir(), 'epc-slotmount-'));
  });
  afterEach(async () => {
    await f.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('the tenant connects to enclave.sock but cannot create, remove or swap files there', async () => {
    const mount = enclaveResponse({ kind: 'model', socketDir: f.dir }, [SLOT]).mounts![0];
    const target = join(work, 'container-var-run-epc');
    mkdirSync(target);
    // What the tenant runs inside its container, against the mount.
    const tenant = join(work, 'tenant.mjs');
    await writeFile(tenant, `
      import { symlinkSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
      import { request } from 'node:http';
      const dir = process.argv[2];
      const out = {};
      for (const [name, op] of [
        ['create', () => writeFileSync(dir + '/fill', 'x')],
        ['mkdir', () => mkdirSync(dir + '/d')],
        ['symlink', () => symlinkSync('/run/epc/control.sock', dir + '/evil')],
        ['unlink', () => unlinkSync(dir + '/enclave.sock')],
      ]) { try { op(); out[name] = 'ok'; } catch (e) { out[name] = e.code; } }
      out.connect = await new Promise((res) => {
        const req = request({ socketPath: dir + '/enclave.sock', path: '/v1/self' }, (r) => { r.resume(); r.on('end', () => res(r.statusCode)); });
        req.on('error', (e) => res(e.code));
        req.end();
      });
      console.log(JSON.stringify(out));
    `);
    const ro = mount.read_only ? ` && mount -o remount,bind,ro ${target}` : '';
    const { stdout } = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind ${mount.host_path} ${target}${ro} && exec ${process.execPath} ${tenant} ${target}`]);
    expect(JSON.parse(stdout)).toEqual({ create: 'EROFS', mkdir: 'EROFS', symlink: 'EROFS', unlink: 'EROFS', connect: 200 });
    expect(readdirSync(mount.host_path)).toEqual(['enclave.sock']);
    expect(lstatSync(join(mount.host_path, 'enclave.sock')).isSocket()).toBe(true);
  });
});
