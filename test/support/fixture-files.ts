import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** Every file under `dir`, keyed by `prefix/relative-path`, for seeding a simulator repo. */
export async function fixtureFiles(dir: string, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[`${prefix}/${relative(dir, path)}`] = await readFile(path, "utf8");
    }
  }
  await walk(dir);
  return out;
}
