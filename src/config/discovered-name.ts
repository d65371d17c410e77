/**
 * A discovered project is named after its dir, which may be a configured project's name (`net` on
 * `infra/net`, and a dir `net/`). What is keyed by name would mix the two: the affected list, drift
 * issues, schedules and checks, and the rules a server writes as `REPO:NAME` (credentials,
 * permissions, windows), which would follow the name to the dir. So the discovered one is told
 * apart, on the base branch as in a pull request, by a name no configured project and no other
 * discovered one has (a dir may be called `net~autodiscovered` too).
 */
export function distinctFrom(
  configured: ReadonlySet<string>,
  /** The other discovered projects' names (their dirs). */
  discovered: ReadonlySet<string> = new Set(),
): <P extends { name: string }>(p: P) => P {
  const taken = (name: string) => configured.has(name) || discovered.has(name);
  return (p) => {
    if (!configured.has(p.name)) return p;
    // In the characters a configured name may have (`-p` takes them: `/drift resume -p net~autodiscovered`).
    let name = `${p.name}~autodiscovered`;
    for (let n = 2; taken(name); n++) name = `${p.name}~autodiscovered-${n}`;
    return { ...p, name };
  };
}
