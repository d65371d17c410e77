/**
 * The files git's cone mode writes for these dirs (repo paths; `.` or "" = the root): every file
 * directly at the root, every file below each dir, and the files directly in each dir's parents.
 * Pure: the checkout writes exactly these paths from its own index.
 */
export function conePaths(files: readonly string[], dirs: readonly string[]): string[] {
  const below = [...new Set(dirs)].filter((d) => d !== "." && d !== "").map((d) => d.replace(/\/+$/, ""));
  const parents = new Set<string>([""]);
  for (const d of below) {
    const parts = d.split("/");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join("/"));
  }
  return files.filter((f) => {
    const slash = f.lastIndexOf("/");
    if (parents.has(slash < 0 ? "" : f.slice(0, slash))) return true;
    return below.some((d) => f.startsWith(`${d}/`));
  });
}
