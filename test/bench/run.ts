/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` module in one process, side by side with
 * its bare baseline, and prints the figures and ratios with their targets. Not a test: timings
 * are printed, never asserted. `npm run bench -- NAME` runs only modules whose file name matches.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { meetsTarget, type BenchModule } from './bench-report.js';

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let misses = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: BenchModule };
  console.log(`\n== ${mod.default.title} (${file})`);
  const figures = await mod.default.run();
  for (const f of figures) {
    const ok = meetsTarget(f);
    if (ok === false) misses++;
    const verdict = ok === undefined ? '' : ok ? `  [target ${f.target}: met]` : `  [target ${f.target}: MISSED]`;
    const v = Math.abs(f.value) >= 1000 ? f.value.toExponential(3) : Number(f.value.toPrecision(4)).toString();
    console.log(`  ${f.name.padEnd(60)} ${v.padStart(12)} ${f.unit}${verdict}`);
  }
}
console.log(`\n${files.length} benchmark modules, ${misses} targets missed`);
