/**
 * The control/enclave APIs' router over a real unix socket: static routes by one Map lookup,
 * routes with params in registration order (an earlier route is never shadowed by a later static
 * one), the query string, and clear 404s.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRouter } from '../../src/controller/http-router.js';
import { createLogger } from '../../src/util/logger.js';
import { rawRequest } from './controller-fixture.js';

let dir: string;
let sock: string;
let server: Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'epc-router-'));
  sock = join(dir, 'r.sock');
  const r = new HttpRouter(createLogger('router-test', 'silent'));
  r.on('GET', '/v1/items/:id', ({ params, query }) => ({ body: { route: 'item', id: params.id, q: query.get('q') } }));
  r.on('GET', '/v1/items/all', () => ({ body: { route: 'all' } })); // shadowed by the earlier :id route
  r.on('GET', '/v1/node', ({ params, query }) => ({ body: { route: 'node', params, q: query.get('q') } }));
  r.on('POST', '/v1/node', ({ body }) => ({ status: 201, body: { route: 'post', body } }));
  server = createServer(r.listener);
  await new Promise<void>((res) => server.listen(sock, res));
});
afterAll(async () => {
  await new Promise((res) => server.close(res));
  await rm(dir, { recursive: true, force: true });
});

describe('HttpRouter', () => {
  it.each([
    ['a static route with a query', 'GET', '/v1/node?q=a%20b', undefined, 200, { route: 'node', params: {}, q: 'a b' }],
    ['a static route by another method with a body', 'POST', '/v1/node', '{"x":1}', 201, { route: 'post', body: { x: 1 } }],
    ['a route with a param, decoded', 'GET', '/v1/items/e%2D1?q=z', undefined, 200, { route: 'item', id: 'e-1', q: 'z' }],
    ['a static route an earlier param route answers', 'GET', '/v1/items/all', undefined, 200, { route: 'item', id: 'all', q: null }],
    ['repeated slashes', 'GET', '//v1//node', undefined, 200, { route: 'node', params: {}, q: null }],
  ])('%s', async (_n, method, path, body, status, json) => {
    const r = await rawRequest(sock, method, path, body);
    expect(r.status).toBe(status);
    expect(r.json).toEqual(json);
  });

  it.each([
    ['an unknown path', 'GET', '/v1/nothing', 'no route GET /v1/nothing'],
    ['a known path with another method', 'DELETE', '/v1/node', 'method DELETE not allowed on /v1/node'],
    ['a bad percent-escape in a param', 'GET', '/v1/items/%E0%A4%A', 'no route GET /v1/items/%E0%A4%A'],
  ])('answers %s with 404 naming it', async (_n, method, path, message) => {
    const r = await rawRequest(sock, method, path);
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'ENOSYS', message });
  });
});
