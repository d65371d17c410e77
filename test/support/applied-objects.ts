import { readFile } from "node:fs/promises";
import { basename } from "node:path";

/**
 * What a cluster that holds exactly what was applied prints for a Kustomize apply's read-back
 * (`kubectl get -o yaml -f …`, and the server-side dry run of the same apply): the objects of the
 * files it is given, the deleted ones gone. For fakes of the cluster side.
 */
export async function appliedObjectsOf(argv: readonly string[]): Promise<string> {
  // The deletions' files (`deletions.yaml`, its namespace passes `delete-named.yaml`, …): gone.
  const files = argv.filter((a, i) => argv[i - 1] === "-f" && !/delet/.test(basename(a)));
  return (await Promise.all(files.map((f) => readFile(f, "utf8")))).join("\n---\n");
}

/** Whether a kubectl call is one of the read-back's: it reads the cluster, never changes it. */
export const isReadBack = (argv: readonly string[]): boolean =>
  (argv[0] === "get" && argv.includes("-o") && argv.includes("-f")) || (argv[0] === "apply" && argv.includes("--dry-run=server"));
