/**
 * zod schemas of every request body and query of the control and enclave APIs. Handlers only see
 * validated, normalized values (cgroup paths in "/a/b" form).
 */
import { z } from 'zod';
import { MAX_CGROUP_PATH, parseCgroupPath } from '../contracts/cgroup-path.js';
import { SLOT_ID_PATTERN, SLOT_ID_RULE } from '../contracts/controller-api/socket-names.js';

/** Misc files the model has (epc-model.md "Interface"). */
export const MISC_FILES = ['misc.capacity', 'misc.max', 'misc.current', 'misc.peak', 'misc.events', 'misc.events.local'] as const;

/** Max pages one enclave request may name (add/aug count, access pages over all its ranges); bounds work per request. */
export const MAX_PAGES_PER_REQUEST = 1 << 20;
/** Max ranges in one access request. */
export const MAX_RANGES_PER_REQUEST = 4096;

/** A cgroup path, normalized. */
export const cgroupPath = z
  .string()
  .min(1)
  .max(MAX_CGROUP_PATH)
  .transform((s, ctx) => {
    const r = parseCgroupPath(s);
    if (r.ok) return r.path;
    ctx.addIssue({ code: 'custom', message: 'not a cgroup path ("/a/b": letters, digits, _ . : @ + -; no "." or ".." segments)' });
    return z.NEVER;
  });

/** An enclave slot ID as the device plugin hands out (`enclave-3`); it names a directory under
 *  slots/, so it starts with a letter or digit (never `.` or `..`) and is at most MAX_SLOT_ID_LENGTH long. */
export const slotId = z.string().regex(SLOT_ID_PATTERN, SLOT_ID_RULE);

/** A caller-chosen enclave name (scoped to its slot). */
export const enclaveName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'enclave names are 1-64 of A-Z a-z 0-9 _ . -');

const pageCount = z.number().int().min(1).max(MAX_PAGES_PER_REQUEST);
const pageIndex = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const pageRange = z
  .tuple([pageIndex, pageIndex])
  .refine(([a, b]) => a <= b, { message: 'range [first, last] needs first <= last' })
  .refine(([a, b]) => b - a < MAX_PAGES_PER_REQUEST, { message: `a range spans at most ${MAX_PAGES_PER_REQUEST} pages` });

export const mkdirBody = z.strictObject({ path: cgroupPath, parents: z.boolean().optional() });
export const rmdirBody = z.strictObject({ path: cgroupPath });
export const writeFileBody = z.strictObject({ path: cgroupPath, file: z.enum(MISC_FILES), value: z.string().max(256) });
export const readFileQuery = z.strictObject({ path: cgroupPath, file: z.enum(MISC_FILES) });
export const pathQuery = z.strictObject({ path: cgroupPath });
export const listQuery = z.strictObject({ prefix: cgroupPath.optional() });
export const enclavesQuery = z.strictObject({ path: cgroupPath, recursive: z.enum(['true', 'false', '1', '0']).optional() });
export const bindBody = z.strictObject({ slot: slotId, path: cgroupPath });
export const unbindBody = z.strictObject({ slot: slotId });
export const destroyEnclavesBody = z.strictObject({ path: cgroupPath, recursive: z.boolean().optional() });

/** Most slots one `POST /v1/pod-cgroup` binds (bounds the work of one request). */
export const MAX_SLOTS_PER_POD_CGROUP = 64;
/** A misc.max value as JSON: bytes (integer >= 0) or "max". */
export const epcMaxValue = z.union([z.literal('max'), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)], {
  error: 'max is bytes (an integer >= 0) or "max"',
});
/** `POST /v1/pod-cgroup`: a pod cgroup ensured, limited and its slots bound, all or nothing. */
export const podCgroupBody = z.strictObject({
  path: cgroupPath.refine((p) => p !== '/', { message: 'the root cgroup has no misc.max; name a pod cgroup' }),
  max: epcMaxValue,
  slots: z
    .array(slotId)
    .max(MAX_SLOTS_PER_POD_CGROUP, { message: `at most ${MAX_SLOTS_PER_POD_CGROUP} slots per request` })
    .refine((s) => new Set(s).size === s.length, { message: 'slots are listed once each' }),
});

/* Enclave API bodies: `slot` is optional and only an assertion (the socket is the identity). */
export const createBody = z.strictObject({ slot: slotId.optional(), name: enclaveName.optional(), bare: z.boolean().optional() });
export const slotBody = z.strictObject({ slot: slotId.optional() });
export const pagesBody = z.strictObject({ slot: slotId.optional(), pages: pageCount });
const rangeList = z
  .array(pageRange)
  .min(1)
  .max(MAX_RANGES_PER_REQUEST, { message: `at most ${MAX_RANGES_PER_REQUEST} ranges per request` })
  .refine((rs) => rs.reduce((n, [a, b]) => n + (b - a + 1), 0) <= MAX_PAGES_PER_REQUEST, {
    message: `the ranges of one request cover at most ${MAX_PAGES_PER_REQUEST} pages in total`,
  });
export const accessBody = z
  .strictObject({ slot: slotId.optional(), range: pageRange.optional(), ranges: rangeList.optional() })
  .refine((b) => (b.range === undefined) !== (b.ranges === undefined), { message: 'give exactly one of range or ranges', path: ['range'] });
export const slotQuery = z.strictObject({ slot: slotId.optional() });
export const enclaveParam = z.strictObject({ id: enclaveName });

/** Turns URLSearchParams into a plain object for zod (last value wins). */
export function queryObject(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(q.entries());
}
