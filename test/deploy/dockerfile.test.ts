/**
 * Static checks of the image recipe (no Docker engine here): multi-stage, prod deps only, a
 * non-root default user, an entrypoint that the TypeScript build produces, a tight context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package-root.js';

const root = packageRoot();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const lines = dockerfile.split('\n').filter((l) => !l.trim().startsWith('#'));
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('Dockerfile', () => {
  it('has a build stage with npm ci and the TypeScript build, and a separate runtime stage', () => {
    expect(lines.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('runs on a Node 20 base, non-root by default', () => {
    expect(runtimeStage).toMatch(/FROM \S*node\S*20|nodejs\$\{NODE_VERSION\}/);
    expect(dockerfile).toMatch(/ARG NODE_VERSION=20/);
    const user = runtimeStage.match(/^USER (\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(0|root)(:|$)/);
  });

  it('copies only build output and prod deps into the runtime stage', () => {
    expect(runtimeStage).not.toMatch(/COPY \. /);
    expect(runtimeStage).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
  });

  it('leaves the test bed out: built, then removed; only the protos of src/ are copied', () => {
    const buildStage = dockerfile.slice(dockerfile.indexOf('AS build'), dockerfile.indexOf('AS prod-deps'));
    expect(buildStage).toMatch(/RUN npm run build && rm -rf dist\/testbed\n/);
    expect(existsSync(join(root, 'src/testbed'))).toBe(true);
    const copies = runtimeStage.split('\n').filter((l) => l.startsWith('COPY'));
    expect(copies.filter((l) => /\/app\/src\b/.test(l))).toEqual(['COPY --from=build /app/src/contracts/proto ./src/contracts/proto']);
  });

  it('enters through the built CLI, whose source exists', () => {
    const entry = runtimeStage.match(/ENTRYPOINT \[(.*)\]/)?.[1];
    expect(entry).toContain('/app/dist/cli/main.js');
    expect(existsSync(join(root, 'src/cli/main.ts'))).toBe(true);
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });

  it('puts `epc` on PATH for kubectl debug (epc doctor): a symlink to the built CLI, env and node on PATH for its shebang', () => {
    expect(dockerfile).toMatch(/ln -s \/app\/dist\/cli\/main\.js \/out\/bin\/epc/);
    expect(dockerfile).toMatch(/chmod 0755 dist\/cli\/main\.js/);
    expect(runtimeStage).toMatch(/COPY --from=build \/out\/bin\/ \/usr\/local\/bin\//);
    expect(runtimeStage).toMatch(/COPY --from=build \/usr\/bin\/env \/usr\/bin\/env/);
    const path = runtimeStage.match(/ENV PATH=(\S+)/)?.[1]?.split(':') ?? [];
    expect(path).toEqual(expect.arrayContaining(['/nodejs/bin', '/usr/local/bin']));
    expect(readFileSync(join(root, 'src/cli/main.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('the cert bootstrap the manifests run is a subcommand of the image\'s epc entrypoint', () => {
    const manifests = readFileSync(join(root, 'deploy/base/webhook-deployment.yaml'), 'utf8');
    expect(manifests).toMatch(/- name: cert-bootstrap\n(?:(?!\n {8}- name:)[\s\S])*?args:\n\s+- webhook\n\s+- cert-bootstrap\n/);
    expect(manifests).not.toMatch(/command:/);
    expect(existsSync(join(root, 'src/webhook/cert-bootstrap.ts'))).toBe(true);
  });
});

describe('.dockerignore', () => {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  it('starts from nothing and lets in only what the build copies', () => {
    expect(ignore[0]).toBe('**');
    const allowed = ignore.filter((l) => l.startsWith('!'));
    expect(allowed).toEqual(expect.arrayContaining(['!package.json', '!package-lock.json', '!src/**']));
    expect(allowed.some((l) => /node_modules|dist|\.tools|\.git/.test(l))).toBe(false);
  });
});
