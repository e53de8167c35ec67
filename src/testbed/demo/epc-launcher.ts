import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root.js';

/** How to start `epc <subcommand>` as a child process: `spawn(file, [...args, sub, ...flags])`. */
export interface EpcLauncher {
  file: string;
  args: string[];
}

/**
 * The `epc` CLI of this very package, run the way this code runs: from `src/` through tsx when
 * the demo itself runs from TypeScript sources (npx tsx, vitest), else the built
 * `dist/cli/main.js`. Children therefore always run the same code as the demo.
 */
export function epcLauncher(): EpcLauncher {
  const root = packageRoot();
  const fromSource = import.meta.url.endsWith('.ts');
  const built = join(root, 'dist/cli/main.js');
  if (!fromSource && existsSync(built)) return { file: process.execPath, args: [built] };
  // The loader by absolute URL: `--import tsx` would resolve from the child's cwd.
  return { file: process.execPath, args: ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/main.ts')] };
}
