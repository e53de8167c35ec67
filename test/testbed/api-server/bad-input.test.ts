import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDouble, type DoubleFixture } from './double-fixture.js';

let f: DoubleFixture;
beforeEach(async () => {
  f = await startDouble();
  f.double.addNode('n1');
});
afterEach(async () => {
  await f.close();
});

async function call(method: string, path: string, opts: { body?: string; contentType?: string; token?: string | null } = {}): Promise<{ code: number; body: any }> {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? f.double.token}`;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const res = await fetch(f.double.url + path, { method, headers, body: opts.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { code: res.status, body };
}

describe('ApiServerDouble bad input never crashes it and gets real Status errors', () => {
  const cases: Array<[string, string, string, { body?: string; contentType?: string; token?: string | null }, number, string, string]> = [
    ['malformed JSON on create', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"metadata":', contentType: 'application/json' }, 400, 'BadRequest', 'request body is not valid JSON'],
    ['empty body on create', 'POST', '/api/v1/namespaces/ns1/pods', { body: '', contentType: 'application/json' }, 400, 'BadRequest', 'request body is empty'],
    ['a JSON array as a pod', 'POST', '/api/v1/namespaces/ns1/pods', { body: '[]', contentType: 'application/json' }, 400, 'BadRequest', 'must be a JSON object describing a Pod'],
    ['wrong kind', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"kind":"Node","metadata":{"name":"x"}}' }, 400, 'BadRequest', 'does not match Pod'],
    ['namespace mismatch', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"metadata":{"name":"x","namespace":"ns2"},"spec":{"containers":[{"name":"c"}]}}' }, 400, 'BadRequest', 'namespace of the provided object does not match'],
    ['pod without containers', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"metadata":{"name":"x"},"spec":{}}' }, 422, 'Invalid', 'Pod "x" is invalid: spec.containers: Required value'],
    ['pod with a bad name', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c"}]}}' }, 422, 'Invalid', 'metadata.name'],
    ['pod with a junk EPC request', 'POST', '/api/v1/namespaces/ns1/pods', { body: '{"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","resources":{"requests":{"sgx.intel.com/epc":"10Mx"}}}]}}' }, 422, 'Invalid', 'spec.containers[0].resources.requests[sgx.intel.com/epc]'],
    ['malformed JSON patch body', 'PATCH', '/api/v1/nodes/n1/status', { body: '{"status":', contentType: 'application/merge-patch+json' }, 400, 'BadRequest', 'patch body is not valid JSON'],
    ['apply patch is not served', 'PATCH', '/api/v1/nodes/n1/status', { body: '{}', contentType: 'application/apply-patch+yaml' }, 415, 'UnsupportedMediaType', 'accepted media types include'],
    ['unknown patch type', 'PATCH', '/api/v1/nodes/n1', { body: '{}', contentType: 'text/plain' }, 415, 'UnsupportedMediaType', '"text/plain"'],
    ['json patch that is not an array', 'PATCH', '/api/v1/nodes/n1', { body: '{}', contentType: 'application/json-patch+json' }, 400, 'BadRequest', 'must be a JSON array of operations'],
    ['json patch with an unknown op', 'PATCH', '/api/v1/nodes/n1', { body: '[{"op":"frob","path":"/x"}]', contentType: 'application/json-patch+json' }, 400, 'BadRequest', 'unknown op "frob"'],
    ['json patch removing a missing path', 'PATCH', '/api/v1/nodes/n1', { body: '[{"op":"remove","path":"/metadata/labels/x"}]', contentType: 'application/json-patch+json' }, 422, 'Invalid', 'does not exist'],
    ['merge patch that is not an object', 'PATCH', '/api/v1/nodes/n1', { body: '"x"', contentType: 'application/merge-patch+json' }, 400, 'BadRequest', 'must be a JSON object'],
    ['strategic patch with an unknown directive', 'PATCH', '/api/v1/nodes/n1', { body: '{"metadata":{"$patch":"explode"}}', contentType: 'application/strategic-merge-patch+json' }, 400, 'BadRequest', 'unknown $patch directive'],
    ['patch of a missing node', 'PATCH', '/api/v1/nodes/n9/status', { body: '{}', contentType: 'application/merge-patch+json' }, 404, 'NotFound', 'nodes "n9" not found'],
    ['non-numeric resourceVersion on watch', 'GET', '/api/v1/pods?watch=true&resourceVersion=abc', {}, 400, 'BadRequest', 'invalid resource version "abc"'],
    ['unknown resource', 'GET', '/api/v1/secrets', {}, 404, 'NotFound', 'could not find the requested resource'],
    ['unknown subresource', 'GET', '/api/v1/nodes/n1/proxy', {}, 404, 'NotFound', 'could not find the requested resource'],
    ['unsupported method', 'POST', '/api/v1/nodes/n1', { body: '{}' }, 405, 'MethodNotAllowed', 'does not allow this method'],
    ['malformed percent-encoding in the path', 'GET', '/api/v1/nodes/%E0%A4%A', {}, 400, 'BadRequest', 'malformed percent-encoding'],
    ['missing token', 'GET', '/api/v1/nodes/n1', { token: null }, 401, 'Unauthorized', 'Unauthorized'],
    ['wrong token', 'GET', '/api/v1/nodes/n1', { token: 'guess' }, 401, 'Unauthorized', 'Unauthorized'],
  ];
  it.each(cases)('%s', async (_name, method, path, opts, code, reason, text) => {
    const r = await call(method, path, opts);
    expect(r.code).toBe(code);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
    expect(r.body.message).toContain(text);
    // still serving
    expect((await call('GET', '/api/v1/nodes/n1')).code).toBe(200);
  });

  it('an oversized body is 413 and the server keeps serving', async () => {
    const r = await call('POST', '/api/v1/namespaces/ns1/pods', { body: 'x'.repeat(3 * 1024 * 1024 + 10), contentType: 'application/json' });
    expect(r.code).toBe(413);
    expect((await call('GET', '/version')).body.gitVersion).toContain('epc-double');
  });
});
