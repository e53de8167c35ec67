/**
 * Checks of the controller's socket dir: every socket path under it must fit the platform's unix
 * socket path limit (a longer path would bind at a truncated name), and the directory must be
 * creatable and writable. Directories are created one level at a time, so an unusable parent
 * (`/proc/x`, a file in the way) is one clear error, never a retry loop.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { CONTROL_SOCKET, longestSocketPath, MAX_SLOT_ID_LENGTH, UNIX_PATH_MAX } from '../contracts/controller-api/socket-names.js';
import { join } from 'node:path';

/** Why `socketDir` cannot hold the controller's sockets (path length), or undefined when it can. */
export function socketDirLengthProblem(socketDir: string): string | undefined {
  const abs = resolve(socketDir);
  const longest = longestSocketPath(abs);
  const bytes = Buffer.byteLength(longest);
  if (bytes <= UNIX_PATH_MAX && Buffer.byteLength(join(abs, CONTROL_SOCKET)) <= UNIX_PATH_MAX) return undefined;
  const room = UNIX_PATH_MAX - (bytes - Buffer.byteLength(abs));
  return `${abs} is too long: the longest socket under it (slots/<slot of ${MAX_SLOT_ID_LENGTH} chars>/enclave.sock) would be ${bytes} bytes, over the unix socket path limit of ${UNIX_PATH_MAX}; use a directory of at most ${room} bytes`;
}

/** The socket dir cannot be used (not creatable, not a directory, not writable): bad input, not a failed start. */
export class SocketDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SocketDirError';
  }
}

/** Creates `dir` (and missing parents) one level at a time; throws a clear SocketDirError if it cannot be used. */
export async function ensureSocketDir(dir: string): Promise<string> {
  const abs = resolve(dir);
  const chain: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    const st = await stat(p).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      if (st.code !== 'ENOENT') throw new SocketDirError(`${abs}: cannot use ${p}: ${st.code ?? st.message}`);
      try {
        await mkdir(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw new SocketDirError(`${abs}: cannot create ${p}: ${code ?? (err as Error).message}`);
      }
      const made = await stat(p).catch(() => undefined);
      if (!made?.isDirectory()) throw new SocketDirError(`${abs}: ${p} could not be created as a directory`);
    } else if (!st.isDirectory()) {
      throw new SocketDirError(`${abs}: ${p} exists and is not a directory`);
    }
  }
  try {
    await access(abs, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new SocketDirError(`${abs} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return abs.endsWith(sep) && abs !== sep ? abs.slice(0, -1) : abs;
}
