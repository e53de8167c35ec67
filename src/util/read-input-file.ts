import { readFile } from 'node:fs/promises';

/** An input file's text, or why it cannot be used (a phrase: "no such file", "is a directory"). */
export type InputFile = { ok: true; text: string } | { ok: false; reason: string };

const WHY: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied' };

/**
 * Reads a user-given input file (a scenario, a config) as UTF-8, refusing more than `maxBytes`:
 * a missing, unreadable or oversized file is bad input with a reason, never an exception.
 */
export async function readInputFile(file: string, opts: { maxBytes: number }): Promise<InputFile> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, reason: (e.code && WHY[e.code]) ?? e.code ?? e.message };
  }
  if (buf.length > opts.maxBytes) return { ok: false, reason: `is larger than ${opts.maxBytes} bytes` };
  return { ok: true, text: buf.toString('utf8') };
}
