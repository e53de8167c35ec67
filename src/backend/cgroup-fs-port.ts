import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';

/**
 * The few filesystem calls `CgroupfsBackend` makes, as a port: the real one is node:fs on
 * /sys/fs/cgroup; tests pass a fake that behaves like the kernel (creates interface files on
 * mkdir, validates writes). Errors are Node errno errors (`err.code` = 'EINVAL', 'ENOENT', ...).
 */
export interface CgroupFsPort {
  readFile(path: string): Promise<string>;
  /** One write(2) of the whole string, like `echo value > file`. */
  writeFile(path: string, data: string): Promise<void>;
  /** Non-recursive mkdir(2); EEXIST when present. */
  mkdir(path: string): Promise<void>;
  /** rmdir(2); EBUSY/ENOTEMPTY when the cgroup still has children. */
  rmdir(path: string): Promise<void>;
  /** Names of the subdirectories (child cgroups) of `path`. */
  listDirs(path: string): Promise<string[]>;
}

/** The port over the real filesystem. */
export const nodeCgroupFs: CgroupFsPort = {
  readFile: (p) => readFile(p, 'utf8'),
  writeFile: (p, d) => writeFile(p, d, { flag: 'w' }),
  mkdir: async (p) => {
    await mkdir(p);
  },
  rmdir: (p) => rmdir(p),
  listDirs: async (p) => (await readdir(p, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name),
};
