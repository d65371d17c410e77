import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Past this many entries the walk stops and the chart is refused: a chart is small, a walk of `/` is not. */
const MAX_ENTRIES = 100_000;

/**
 * Why helm would read a file outside the checkout when it loads the chart at `dir`, or undefined.
 * helm follows every symlink in a chart dir ("Contents of linked file included and used"), so a
 * link to the kubeconfig, a credential file or another project's state puts that file into
 * `.Files`, where a template can render it, cut into pieces no redaction finds, into the diff the
 * pull request shows. A link that stays inside the checkout is followed and walked too (helm
 * loads what it leads to); cycles are walked once.
 */
export async function symlinkOutside(root: string, dir: string): Promise<string | undefined> {
  try {
    return await walk(root, dir);
  } catch (e) {
    // A dir made unreadable, a file removed while walking: helm could not be trusted to load it either.
    return `the chart at \`${relative(root, dir) || "."}\` cannot be walked (${(e as NodeJS.ErrnoException).code ?? "error"})`;
  }
}

async function walk(root: string, dir: string): Promise<string | undefined> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return undefined;
  }
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + sep);
  const shown = (p: string) => relative(realRoot, p) || ".";
  const seen = new Set<string>();
  const pending: string[] = [];
  try {
    pending.push(await realpath(dir));
  } catch {
    return undefined;
  }
  let entries = 0;
  while (pending.length > 0) {
    const current = pending.pop() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    if (!inside(current)) return `\`${shown(current)}\` is outside the repository`;
    for (const name of await readdir(current)) {
      if (++entries > MAX_ENTRIES) return `\`${shown(current)}\` holds more than ${MAX_ENTRIES} entries; Sluice does not walk it`;
      const path = join(current, name);
      const info = await lstat(path);
      if (info.isDirectory()) {
        pending.push(path);
        continue;
      }
      if (!info.isSymbolicLink()) continue;
      let target: string;
      try {
        target = await realpath(path);
      } catch {
        return `\`${shown(path)}\` is a symlink that leads nowhere (or in a loop); helm cannot load the chart`;
      }
      if (!inside(target)) {
        return `\`${shown(path)}\` is a symlink that leads outside the repository; helm would read what it points to into the chart, so Sluice does not render it`;
      }
      if ((await stat(target)).isDirectory()) pending.push(target);
    }
  }
  return undefined;
}
