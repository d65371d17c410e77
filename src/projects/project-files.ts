/** Whether the clean repo path `file` is inside the clean dir `dir` (`.` is the root). */
const under = (dir: string, file: string) => dir === "." || file.startsWith(`${dir}/`);

/**
 * The files that belong to a plan whose Terraform reads `dirs` (its own dir and the modules it
 * uses): a file is the plan's when the nearest Terraform dir above it is one of `dirs`, so a
 * nested project's files are its own.
 *
 * "Nearest" is judged in each of `views` (the Terraform dirs of one tree: the base branch's and
 * the head's), and a file is the plan's when it is in ANY view: a pull request cannot move a
 * file out of the plan by adding a `.tf` file above it (the base's view still has it) nor by
 * removing one (the head's view has it).
 */
export function projectFiles(files: readonly string[], dirs: readonly string[], views: readonly ReadonlySet<string>[]): string[] {
  const mine = new Set(dirs);
  const nearestIn = (known: readonly string[]) => (file: string) => {
    let best: string | undefined;
    for (const d of known) if (under(d, file) && (best === undefined || d.length > best.length)) best = d;
    return best;
  };
  const nearest = views.map((view) => nearestIn([...new Set([...view, ...dirs])]));
  return files.filter((f) =>
    nearest.some((n) => {
      const owner = n(f);
      return owner !== undefined && mine.has(owner);
    }),
  );
}
