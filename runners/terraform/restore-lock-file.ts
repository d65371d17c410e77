import { lstat, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readZipEntry } from "../helm/read-zip-entry.js";

const LOCK_FILE = ".terraform.lock.hcl";

/**
 * Puts the plan's own provider selections (the lock file Terraform saves in every plan file) into
 * a project dir that has none, before `init` on another replica: init then installs the providers
 * the plan was made with, not the newest matching release. A project's own lock file is kept, and
 * a plan file that is not a readable zip (a custom workflow's) leaves the choice to init.
 */
export async function restoreLockFile(planFile: string, projectDir: string): Promise<void> {
  const target = join(projectDir, LOCK_FILE);
  const present = await lstat(target).then(
    () => true,
    () => false,
  );
  if (present) return;
  let lock: Buffer | undefined;
  try {
    lock = readZipEntry(await readFile(planFile), LOCK_FILE);
  } catch {
    return;
  }
  if (!lock?.length) return;
  // wx: never through a symlink the checkout might have put there meanwhile.
  await writeFile(target, lock, { flag: "wx", mode: 0o644 }).catch(() => undefined);
}
