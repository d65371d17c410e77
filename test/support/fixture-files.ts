import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
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

/** Replaces `from` with `to` in `file`; a file without `from` fails the test: its fixture changed under it. */
export async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  await writeFile(file, text.replace(from, to));
}

/**
 * Base and head checkouts in `dir`, each with a copy of `fixture` at `at` (the base none when
 * `withBase` is false); `change` edits the head's copy.
 */
export async function fixtureCheckouts(
  dir: string,
  fixture: string,
  at: string,
  change?: (copy: string) => Promise<void>,
  withBase = true,
): Promise<{ base: string; head: string; dataDir: string }> {
  const base = join(dir, "base");
  const head = join(dir, "head");
  await mkdir(base, { recursive: true });
  if (withBase) await cp(fixture, join(base, at), { recursive: true });
  await cp(fixture, join(head, at), { recursive: true });
  await change?.(join(head, at));
  return { base, head, dataDir: join(dir, "data") };
}
