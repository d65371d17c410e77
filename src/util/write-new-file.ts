import { rm, writeFile } from "node:fs/promises";

/**
 * Writes `text` to a file of Sluice's own in a dir a sandboxed run may also write (a data dir):
 * whatever stood at the path (a symlink a run left, pointing anywhere) is removed first, and the
 * file is created anew (`wx`: never through a link that appears in between). Mode 0600.
 */
export async function writeNewFile(path: string, text: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await writeFile(path, text, { mode: 0o600, flag: "wx" });
}
