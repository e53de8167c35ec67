/**
 * Slow clients cannot hold the webhook (issue 11): over real HTTPS, a client that never finishes
 * its TLS handshake, its headers or its body is dropped by the server's bounds, a normal /mutate
 * still answers while many slow connections are held, and connections above the cap are closed
 * at once. No timing thresholds: each test only waits for the server to act.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveWebhookConfig, startWebhookServer, type WebhookServer } from '../../src/webhook/index.js';
import { DEFAULT_CONNECTION_LIMITS, type WebhookConnectionLimits } from '../../src/webhook/webhook-server.js';
import { createTestCa, issueServingCert, type TestCa } from '../helpers/certs.js';
import { fixture, httpsRequest } from './webhook-harness.js';

let dir: string | undefined;
let server: WebhookServer | undefined;
let ca: TestCa;
const sockets: Socket[] = [];

async function start(limits: Partial<WebhookConnectionLimits>): Promise<number> {
  dir = await mkdtemp(join(tmpdir(), 'epc-webhook-slow-'));
  ca = await createTestCa(dir);
  const serving = await issueServingCert(ca, { service: { name: 'epc-webhook', namespace: 'epc-system' } });
  server = await startWebhookServer({ config: resolveWebhookConfig(), host: '127.0.0.1', port: 0, tlsCertFile: serving.certFile, tlsKeyFile: serving.keyFile, stopGraceMs: 100, connectionLimits: limits });
  return server.port;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

/** A connection that stops after `stage`; resolves `closed` with what the server sent before closing. */
function slowClient(port: number, stage: 'tcp' | 'headers' | 'body'): { socket: Socket; ready: Promise<void>; closed: Promise<string> } {
  let received = '';
  let onReady!: () => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    onReady = res;
    onFail = rej;
  });
  let socket: Socket;
  if (stage === 'tcp') {
    socket = netConnect(port, '127.0.0.1', onReady);
  } else {
    socket = tlsConnect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'epc-webhook.epc-system.svc' }, () => {
      socket.write(stage === 'headers' ? 'POST /mutate HTTP/1.1\r\nHost: epc-webhook\r\nContent-Type: app' : 'POST /mutate HTTP/1.1\r\nHost: epc-webhook\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
      onReady();
    });
  }
  sockets.push(socket);
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<string>((res) => {
    socket.on('error', (e) => onFail(e));
    socket.on('close', () => res(received));
  });
  return { socket, ready, closed };
}

describe('webhook slow clients (real HTTPS)', () => {
  it('the defaults are bounded: a few seconds each, and a connection cap', () => {
    const { handshakeTimeoutMs, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, checkIntervalMs, maxConnections } = DEFAULT_CONNECTION_LIMITS;
    for (const ms of [handshakeTimeoutMs, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs]) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(5000);
    }
    expect(headersTimeoutMs).toBeLessThanOrEqual(requestTimeoutMs);
    expect(checkIntervalMs).toBeLessThan(headersTimeoutMs);
    expect(maxConnections).toBeGreaterThan(0);
  });

  it('drops a client that never finishes its TLS handshake, its headers, or its body', async () => {
    const port = await start({ handshakeTimeoutMs: 300, headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 });
    const tcp = slowClient(port, 'tcp');
    const headers = slowClient(port, 'headers');
    const body = slowClient(port, 'body');
    await Promise.all([tcp.ready, headers.ready, body.ready]);
    expect(await tcp.closed).toBe('');
    expect(await headers.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await body.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a normal /mutate answers while 200 slow-header connections are held', async () => {
    // (long bounds here: this test is about holding them, and a loaded machine may handshake slowly)
    const port = await start({ handshakeTimeoutMs: 60_000, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    const slow = Array.from({ length: 200 }, () => slowClient(port, 'headers'));
    await Promise.all(slow.map((s) => s.ready));
    const r = await httpsRequest(`https://127.0.0.1:${port}/mutate`, { ca: ca.cert, body: await fixture('azure-oe-helloworld.json') });
    expect(r.status).toBe(200);
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.patch).toBeDefined();
    expect(slow.filter((s) => s.socket.destroyed || s.socket.closed)).toHaveLength(0);
  });

  it('connections above maxConnections are closed on accept; room returns when slow ones time out', async () => {
    const port = await start({ maxConnections: 5, handshakeTimeoutMs: 60_000, headersTimeoutMs: 400, requestTimeoutMs: 400, checkIntervalMs: 50 });
    const held = Array.from({ length: 5 }, () => slowClient(port, 'headers'));
    await Promise.all(held.map((s) => s.ready));
    const over = slowClient(port, 'tcp');
    expect(await over.closed).toBe('');
    await Promise.all(held.map((h) => h.closed));
    const r = await httpsRequest(`https://127.0.0.1:${port}/mutate`, { ca: ca.cert, body: await fixture('azure-oe-helloworld.json') });
    expect(r.status).toBe(200);
  });
});
