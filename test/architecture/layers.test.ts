/** Fails on any import that breaks the layer graph of src/ (layer-graph.ts), naming each arrow. */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderOf, productPackages, PRODUCT_LAYERS, root, specifiers, srcArrows, TESTBED_LAYERS, tsFiles, violation, type Arrow } from './layer-graph.js';

describe('layer graph of src/', () => {
  it('every folder of src/ is in exactly one layer', () => {
    const folders = new Set(tsFiles(join(root, 'src')).map((f) => folderOf(relative(root, f))));
    const placed = [...PRODUCT_LAYERS.flat(), ...TESTBED_LAYERS.flat()];
    expect([...folders].filter((f) => !placed.includes(f)).sort(), 'folders in no layer').toEqual([]);
    expect(placed.length, 'a folder in two layers').toBe(new Set(placed).size);
  });

  it('no import goes up a layer, sideways to a peer, or from the product into the test bed', () => {
    const arrows = srcArrows();
    expect(arrows.length).toBeGreaterThan(100); // the scanner really found the imports
    const bad = arrows.flatMap((a) => {
      const why = violation(a);
      return why ? [`${a.from} -> ${a.to}${a.dynamic ? ' (dynamic)' : ''}: ${why}`] : [];
    });
    expect(bad, `offending arrows:\n  ${bad.join('\n  ')}\n`).toEqual([]);
  });

  it('the demo command is the only way into the test bed, and only lazily', () => {
    const entries = srcArrows().filter((a) => !a.from.startsWith('src/testbed/') && a.to.startsWith('src/testbed/'));
    expect(entries.length).toBeGreaterThan(0);
    for (const a of entries) expect({ from: a.from, dynamic: a.dynamic }).toEqual({ from: 'src/cli/commands/demo.ts', dynamic: true });
  });

  it('production dependencies are exactly the packages product code imports', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {}).sort();
    const used = productPackages();
    expect(deps.filter((d) => !used.has(d)), 'dependencies no product code imports (devDependencies?)').toEqual([]);
    expect([...used].filter((u) => !deps.includes(u)).sort(), 'imported by product code but not a dependency').toEqual([]);
  });
});

describe('the layer checker itself', () => {
  const arrow = (from: string, to: string, dynamic = false): Arrow => ({ from, to, spec: '', dynamic });
  it.each([
    ['down a layer', arrow('src/agent/a.ts', 'src/backend/b.ts'), undefined],
    ['within a folder', arrow('src/agent/a.ts', 'src/agent/b.ts'), undefined],
    ['up a layer', arrow('src/epc/a.ts', 'src/util/b.ts'), /upward: epc \(layer 0\) imports util/],
    ['to a peer', arrow('src/backend/a.ts', 'src/controller/b.ts'), /sideways: backend and controller/],
    ['product into the test bed', arrow('src/agent/a.ts', 'src/testbed/kubelet/b.ts'), /product code \(agent\) imports the test bed/],
    ['the demo entry, static', arrow('src/cli/commands/demo.ts', 'src/testbed/demo/run-demo.ts'), /imports the test bed/],
    ['the demo entry, dynamic', arrow('src/cli/commands/demo.ts', 'src/testbed/demo/run-demo.ts', true), undefined],
    ['test bed drives the product', arrow('src/testbed/demo/a.ts', 'src/agent/b.ts'), undefined],
    ['emulator into the demo', arrow('src/testbed/kubelet/a.ts', 'src/testbed/demo/b.ts'), /upward/],
    ['src into test', arrow('src/agent/a.ts', 'test/helpers/b.ts'), /src imports test code/],
  ] as const)('%s', (_name, a, expected) => {
    const why = violation(a);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it('reads static, type-only, re-export and dynamic specifiers, not comments', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from './c.js';",
      "export { d, type E } from './d.js';",
      "import './side-effect.js';",
      "const m = await import('./lazy.js');",
      "// import { x } from './commented.js';",
      "/* import('./block.js') */",
      "const s = 'test/**/*.ts'; import {\n  f,\n  g,\n} from './multi.js';",
      "const t = `${a ? '`' : `x${'}'}`}/*`; const r = /'\\/*/g;",
    ].join('\n');
    expect(specifiers(text)).toEqual([
      { spec: './a.js', dynamic: false },
      { spec: '../b.js', dynamic: false },
      { spec: './c.js', dynamic: false },
      { spec: './d.js', dynamic: false },
      { spec: './side-effect.js', dynamic: false },
      { spec: './multi.js', dynamic: false },
      { spec: './lazy.js', dynamic: true },
    ]);
  });
});
