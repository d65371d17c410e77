/**
 * The files git's cone mode writes for these dirs (repo paths; `.` or "" = the root): every file
 * directly at the root, every file below each dir, and the files directly in each dir's parents;
 * of a dir also in `shallow`, only the files directly in it.
 * Pure: the checkout writes exactly these paths from its own index.
 */
export function conePaths(files: readonly string[], dirs: readonly string[], shallow: readonly string[] = []): string[] {
  const clean = (list: readonly string[]) => list.filter((d) => d !== "." && d !== "").map((d) => d.replace(/\/+$/, ""));
  const filesOnly = new Set(clean(shallow));
  const wanted = clean(dirs);
  const below = new Set(wanted.filter((d) => !filesOnly.has(d)));
  // A shallow dir's own files are found as a parent's are.
  const parents = new Set<string>(["", ...wanted.filter((d) => filesOnly.has(d))]);
  for (const d of wanted) {
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
