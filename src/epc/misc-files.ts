import { MAX_NUM, type MiscCgroup, type MiscCgroupTree } from './misc-cgroup.js';
import { PAGE_SIZE } from './sgx.js';
import type { Errno } from './types.js';

/** The only misc resource the model has (misc_res_name[MISC_CG_RES_SGX_EPC]). */
export const RES_NAME = 'sgx_epc';

type FileKind = 'capacity' | 'max' | 'current' | 'peak' | 'events' | 'events.local';
/** misc_cg_files: which cgroups have each file (CFTYPE_ONLY_ON_ROOT / CFTYPE_NOT_ON_ROOT). */
const FILES: Record<string, { kind: FileKind; where: 'root' | 'nonroot' | 'all' }> = {
  'misc.capacity': { kind: 'capacity', where: 'root' },
  'misc.max': { kind: 'max', where: 'nonroot' },
  'misc.current': { kind: 'current', where: 'all' },
  'misc.peak': { kind: 'peak', where: 'all' },
  'misc.events': { kind: 'events', where: 'nonroot' },
  'misc.events.local': { kind: 'events.local', where: 'nonroot' },
};

function lookup(cg: MiscCgroup, file: string): FileKind | undefined {
  const f = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
  if (!f) return undefined;
  const isRoot = cg.parent === null;
  if ((f.where === 'root' && !isRoot) || (f.where === 'nonroot' && isRoot)) return undefined;
  return f.kind;
}

const bytes = (pages: number): string => String(BigInt(pages) * BigInt(PAGE_SIZE));

/** What misc.max prints for a stored max: "max" or the bytes as written. */
export function formatMax(maxBytes: bigint): string {
  return maxBytes === MAX_NUM ? 'max' : maxBytes.toString();
}

/**
 * Reads a misc.* file as the kernel prints it (misc_cg_*_show()). ENOENT for a file this cgroup
 * does not have. `capacityPages` is misc_res_capacity in pages.
 */
export function readMiscFile(
  cg: MiscCgroup,
  file: string,
  capacityPages: number,
): { result: 'ok'; value: string } | { result: Errno } {
  switch (lookup(cg, file)) {
    case 'capacity':
      return { result: 'ok', value: `${RES_NAME} ${bytes(capacityPages)}\n` };
    case 'max':
      return { result: 'ok', value: `${RES_NAME} ${formatMax(cg.maxBytes)}\n` };
    case 'current':
      return { result: 'ok', value: `${RES_NAME} ${bytes(cg.usage)}\n` };
    case 'peak':
      return { result: 'ok', value: `${RES_NAME} ${bytes(cg.peak)}\n` };
    case 'events':
      return { result: 'ok', value: `${RES_NAME}.max ${cg.events}\n` };
    case 'events.local':
      return { result: 'ok', value: `${RES_NAME}.max ${cg.eventsLocal}\n` };
    default:
      return { result: 'ENOENT' };
  }
}

/**
 * Writes a misc.* file (misc_cg_max_write()). Only misc.max is writable (kernfs gives EINVAL for
 * the read-only ones); ENOENT for a file this cgroup does not have. Writing a max below the
 * current usage only stores it.
 */
export function writeMiscFile(tree: MiscCgroupTree, cg: MiscCgroup, file: string, value: string): 'ok' | Errno {
  const kind = lookup(cg, file);
  if (kind === undefined) return 'ENOENT';
  if (kind !== 'max') return 'EINVAL';
  const parsed = parseMaxWrite(value);
  if (typeof parsed === 'string') return parsed;
  tree.setMax(cg, parsed);
  return 'ok';
}

/** Parses "<resource> <u64|max>" like misc_cg_max_write(): strstrip, split at the first space. */
export function parseMaxWrite(buf: string): bigint | Errno {
  const s = buf.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
  const sp = s.indexOf(' ');
  if (sp < 0) return 'EINVAL';
  const token = s.slice(0, sp);
  const rest = s.slice(sp + 1);
  if (token !== RES_NAME) return 'EINVAL';
  if (rest === 'max') return MAX_NUM;
  return kstrtou64(rest);
}

/**
 * mirrors kstrtoull(s, 0): optional '+', base from the prefix (0x hex, 0 octal, else decimal),
 * digits to the end (one trailing newline allowed). ERANGE on u64 overflow, EINVAL otherwise.
 */
export function kstrtou64(input: string): bigint | Errno {
  let s = input.startsWith('+') ? input.slice(1) : input;
  let base = 10;
  if (s[0] === '0') {
    if ((s[1] === 'x' || s[1] === 'X') && s.length > 2 && /[0-9a-fA-F]/.test(s[2])) {
      base = 16;
      s = s.slice(2);
    } else base = 8;
  }
  let res = 0n;
  let n = 0;
  let overflow = false;
  const b = BigInt(base);
  for (; n < s.length; n++) {
    const d = parseInt(s[n], 16);
    if (Number.isNaN(d) || d >= base) break;
    res = res * b + BigInt(d);
    if (res > MAX_NUM) overflow = true;
  }
  if (overflow) return 'ERANGE';
  if (n === 0) return 'EINVAL';
  let tail = s.slice(n);
  if (tail.startsWith('\n')) tail = tail.slice(1);
  if (tail !== '') return 'EINVAL';
  return res;
}
