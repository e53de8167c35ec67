/**
 * What the agent process loads (its RSS): importing the cluster agent must not pull in the EPC
 * controller, the EPC model, the webhook or their dependencies (zod, express). A child process
 * imports src/agent/run-agent.ts with a loader hook that records every module it loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package-root.js';

function modulesLoadedBy(entry: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'epc-mods-'));
  try {
    const out = join(dir, 'loaded.txt');
    const hooks = `import { appendFileSync } from 'node:fs'; export async function load(u, c, n) { appendFileSync(${JSON.stringify(out)}, u + '\\n'); return n(u, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(packageRoot(), entry)).href)})`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return readFileSync(out, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the agent process module graph', () => {
  it('run-agent loads the agent, client-node and grpc, not the controller, the EPC model, the webhook, zod or express', () => {
    const loaded = modulesLoadedBy('src/agent/run-agent.ts');
    const has = (part: string) => loaded.some((u) => u.includes(part));
    // The check can see what it must (the hook records the agent's own modules and packages).
    for (const part of ['/src/agent/enforcer.ts', '/src/backend/model-backend.ts', '/node_modules/@kubernetes/client-node/', '/node_modules/@grpc/grpc-js/']) expect(has(part), part).toBe(true);
    for (const part of ['/src/controller/', '/src/testbed/', '/src/webhook/', '/node_modules/zod/', '/node_modules/express/']) expect(has(part), part).toBe(false);
    // Of the EPC model only its constants (the page size, src/epc/sgx.ts) reach the agent.
    expect(loaded.filter((u) => u.includes('/src/epc/')).map((u) => u.slice(u.indexOf('/src/epc/')))).toEqual(['/src/epc/sgx.ts']);
    // Agent RSS: client-node's generated API (~80 MiB, imported by its KubeConfig) and undici stay out.
    for (const part of ['/client-node/dist/gen/', '/client-node/dist/config.js', '/client-node/dist/index.js', '/undici/']) expect(has(part), part).toBe(false);
  });
});
