import { constants } from "node:fs";
import { lstat, open, readFile, readlink, realpath, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { readZipEntry } from "../helm/read-zip-entry.js";

const LOCK_FILE = ".terraform.lock.hcl";
/** Far over any real lock file (a few KiB per provider); the plan's zip is the sandbox's work. */
const MAX_LOCK_BYTES = 1024 * 1024;

/**
 * Puts the plan's own provider selections (the lock file Terraform saves in every plan file) into
 * a project dir that has none, before `init` on another replica: init then installs the providers
 * the plan was made with, not the newest matching release. A project's own lock file is kept, and
 * a plan file that is not a readable zip (a custom workflow's) leaves the choice to init.
 */
export async function restoreLockFile(planFile: string, projectDir: string, checkoutDir: string): Promise<void> {
  const present = await lstat(join(projectDir, LOCK_FILE)).then(
    () => true,
    () => false,
  );
  if (present) return;
  let lock: Buffer | undefined;
  try {
    lock = readZipEntry(await readFile(planFile), LOCK_FILE, MAX_LOCK_BYTES);
  } catch {
    return;
  }
  if (!lock?.length) return;
  await writeInside(checkoutDir, projectDir, lock).catch(() => undefined);
}

/**
 * Writes the lock file into the project dir only if that dir, as opened now, is inside the
 * checkout: other sandboxed runs of the PR may write the checkout meanwhile (a dir swapped for
 * a symlink out of it). The open dir is pinned by its descriptor, and the file is created through
 * it (`/proc/self/fd`, Linux as the sandbox), never through a symlink (`wx`).
 */
async function writeInside(checkoutDir: string, projectDir: string, lock: Buffer): Promise<void> {
  const dir = await open(projectDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const pinned = `/proc/self/fd/${dir.fd}`;
    const where = relative(await realpath(checkoutDir), await readlink(pinned));
    if (where === ".." || where.startsWith(`..${sep}`) || isAbsolute(where)) return;
    await writeFile(join(pinned, LOCK_FILE), lock, { flag: "wx", mode: 0o644 });
  } finally {
    await dir.close();
  }
}
