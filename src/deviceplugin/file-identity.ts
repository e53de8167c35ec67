import { statSync } from 'node:fs';

/**
 * Identity of a file that survives nothing: inode + change time in ns (inode numbers get reused,
 * and a new file - a restarted kubelet's kubelet.sock, our re-served socket - gets a new ctime).
 * undefined if the file does not exist.
 */
export function fileIdentity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}
