import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Scratch entries older than this were left by a process that died while using them: the one user,
 * a commit's file list (git-objects.ts listTree), lives for seconds.
 */
export const SCRATCH_STALE_MS = 60 * 60_000;

/**
 * Removes what a process that died left in the data dir's scratch dir (see dataPaths.scratch);
 * entries younger than SCRATCH_STALE_MS may be another process's, in use, and stay. Returns how
 * many were removed.
 */
export async function sweepScratch(dir: string, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const s = await lstat(path).catch(() => undefined);
    if (!s || now - s.mtimeMs < SCRATCH_STALE_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
