/**
 * `conftest test` over the plan JSON, as Atlantis runs it: one run per policy set, the set's dir
 * as `-p`, JSON output to parse, no colour codes. `extraArgs` come from the operator's workflow
 * (`--namespace NS`, `--all-namespaces`); the input file goes last.
 */
export function conftestArgv(policyPath: string, showFile: string, extraArgs: readonly string[] = []): string[] {
  return ["test", "--no-color", "--output", "json", "-p", policyPath, ...extraArgs, showFile];
}
