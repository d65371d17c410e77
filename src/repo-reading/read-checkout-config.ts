import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { ATLANTIS_FILE, loadRepoConfig } from "../config/repo/load-repo-config.js";
import type { HeadConfig } from "./load-repo-configs.js";

const MAX_BYTES = 1024 * 1024;

/**
 * The PR's config as a pre-workflow hook left it in the checkout (the files a hook such as
 * terragrunt-atlantis-config writes). Hostile input, like any file of the PR: only a regular
 * file at the root is read (a symlink is refused, not followed), at most 1 MiB. It says which
 * projects exist, never a trusted setting: those come from the base branch, as always.
 */
export async function readCheckoutConfig(checkoutDir: string, sluiceFile: string): Promise<HeadConfig> {
  const read = async (name: string): Promise<string | undefined | { error: string }> => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(join(checkoutDir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      return { error: code === "ELOOP" ? `${name} is a symbolic link; it was not read` : `${name} cannot be read (${code})` };
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return { error: `${name} is not a regular file` };
      if (stat.size > MAX_BYTES) return { error: `${name} is larger than 1 MiB` };
      return await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  };
  const [sluice, atlantis] = await Promise.all([read(sluiceFile), read(ATLANTIS_FILE)]);
  for (const [file, text] of [
    [sluiceFile, sluice],
    [ATLANTIS_FILE, atlantis],
  ] as const) {
    if (typeof text === "object") return { ok: false, file, errors: [text.error] };
  }
  return loadRepoConfig({ sluice: sluice as string | undefined, atlantis: atlantis as string | undefined }, { sluiceFile });
}
