/**
 * Linux limits a unix socket path to `sizeof(sun_path) - 1` = 107 bytes; a longer path cannot be
 * bound or dialled (Node throws EINVAL or, for some callers, a truncated path is used). Flags that
 * name socket paths are checked against it before any work.
 */
export const UNIX_SOCKET_PATH_MAX_BYTES = 107;

/**
 * Why `path` cannot be a unix socket path (too long, empty, NUL byte), or undefined if it can.
 * `what` names the flag and, if the path is derived, how (e.g. `--device-plugin-dir + "/kubelet.sock"`).
 */
export function unixSocketPathProblem(what: string, path: string): string | undefined {
  if (path.length === 0) return `${what} must not be empty`;
  if (path.includes('\0')) return `${what} must not contain a NUL byte`;
  const bytes = Buffer.byteLength(path);
  if (bytes > UNIX_SOCKET_PATH_MAX_BYTES) {
    return `${what}: socket path ${JSON.stringify(path)} is ${bytes} bytes, over the platform's unix socket limit of ${UNIX_SOCKET_PATH_MAX_BYTES} bytes; use a shorter path`;
  }
  return undefined;
}
