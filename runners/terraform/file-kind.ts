import { lstatSync, type StatSyncFn, statSync } from "node:fs";

// On the calling thread (the job thread's, per project): one system call, no trip through libuv's pool.
const statOf = (fn: StatSyncFn, path: string) => {
  try {
    return fn(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/** A regular file itself, not a symlink to one (a step of the PR's workflow may leave either). */
export const isRegularFile = async (path: string): Promise<boolean> => statOf(lstatSync, path)?.isFile() ?? false;

export const pathExists = async (path: string): Promise<boolean> => statOf(statSync, path) !== undefined;
