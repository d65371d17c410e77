import { lstat, stat } from "node:fs/promises";

/** A regular file itself, not a symlink to one (a step of the PR's workflow may leave either). */
export const isRegularFile = (path: string): Promise<boolean> =>
  lstat(path).then(
    (s) => s.isFile(),
    () => false,
  );

export const pathExists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
