/**
 * The files git's cone mode writes for these dirs (repo paths; `.` or "" = the root): every file
 * directly at the root, every file below each dir, and the files directly in each dir's parents.
 * Pure: the checkout writes exactly these paths from its own index.
 */
export function conePaths(files: readonly string[], dirs: readonly string[]): string[] {
  const below = new Set(dirs.filter((d) => d !== "." && d !== "").map((d) => d.replace(/\/+$/, "")));
  const parents = new Set<string>([""]);
  for (const d of below) {
    const parts = d.split("/");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join("/"));
  }
  // Each file's ancestors looked up, not each dir tried against each file: a 20,000-file tree and
  // 55 dirs took 90 ms the other way, on every widening of a worktree.
  return files.filter((f) => {
    let at = f.lastIndexOf("/");
    if (parents.has(at < 0 ? "" : f.slice(0, at))) return true;
    for (; at > 0; at = f.lastIndexOf("/", at - 1)) if (below.has(f.slice(0, at))) return true;
    return false;
  });
}
