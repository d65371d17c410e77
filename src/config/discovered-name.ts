/**
 * A discovered project is named after its dir, which may be a configured project's name (`net` on
 * `infra/net`, and a dir `net/`). What is keyed by name would mix the two: the affected list, drift
 * issues, schedules and checks, and the rules a server writes as `REPO:NAME` (credentials,
 * permissions, windows), which would follow the name to the dir. So the discovered one is told
 * apart, on the base branch as in a pull request.
 */
export function distinctFrom(configured: ReadonlySet<string>): <P extends { name: string }>(p: P) => P {
  return (p) => {
    if (!configured.has(p.name)) return p;
    let name = `${p.name} (autodiscovered)`;
    for (let n = 2; configured.has(name); n++) name = `${p.name} (autodiscovered ${n})`;
    return { ...p, name };
  };
}
