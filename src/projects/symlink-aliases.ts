import { parentDir, resolveFrom } from "../util/repo-path.js";

/** A changed file seen at another path of the repo through a symlink. */
export interface SymlinkAlias {
  /** The path a tool reads it at (the link, or a path under a linked dir). */
  path: string;
  /** The changed file. */
  file: string;
  link: string;
}

/**
 * The other paths a change shows up at: a symlink inside the repository to a changed file (or to
 * a dir holding it) makes whatever reads the link read the change. Links out of the repository
 * (absolute, or climbing above the root) lead nowhere a PR can change.
 */
export function symlinkAliases(symlinks: ReadonlyMap<string, string> | undefined, changed: readonly string[]): SymlinkAlias[] {
  if (!symlinks?.size || changed.length === 0) return [];
  const out: SymlinkAlias[] = [];
  for (const [link, text] of symlinks) {
    const written = text.trim();
    if (written === "" || written.startsWith("/")) continue;
    const target = resolveFrom(parentDir(link), written);
    if (target === undefined || target === ".") continue;
    for (const file of changed) {
      if (file === target) out.push({ path: link, file, link });
      else if (file.startsWith(`${target}/`)) out.push({ path: `${link}${file.slice(target.length)}`, file, link });
    }
  }
  return out;
}

/** Why-lines naming an alias name the changed file, and the link it was read through. */
export function relabelAliases(why: readonly string[], aliases: readonly SymlinkAlias[]): string[] {
  if (aliases.length === 0) return [...why];
  return why.map((line) =>
    aliases.reduce((l, a) => l.replaceAll(`\`${a.path}\``, `\`${a.file}\` (through the symlink \`${a.link}\`)`), line),
  );
}
