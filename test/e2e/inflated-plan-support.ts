// Shared by the teardown tests: a plan file whose prior state claims resources the backend does
// not hold, written by a `run` step after the plan (the base branch's workflow runs the PR's script).

// A plan step's hook that writes ten made-up resources into the plan file's prior state (its
// `tfstate` entry, serial and lineage kept), as a provider or a Terragrunt hook of the PR's can.
export const INFLATE = [
  "set -e",
  'plan="$(cd "$(dirname "$PLANFILE")" && pwd)/$(basename "$PLANFILE")"',
  'here="$(pwd)"',
  'cd "$(mktemp -d)"',
  'unzip -q "$plan" tfstate',
  "line=$(grep -n '\"resources\": \\[' tfstate | head -n 1 | cut -d: -f1)",
  'head -n "$line" tfstate > inflated',
  'cat "$here/fake.json" >> inflated',
  'tail -n +"$((line + 1))" tfstate >> inflated',
  "mv inflated tfstate",
  'zip -q "$plan" tfstate',
  "",
].join("\n");
export const FAKE = `${JSON.stringify({
  mode: "managed",
  type: "terraform_data",
  name: "fake",
  provider: 'provider["terraform.io/builtin/terraform"]',
  instances: Array.from({ length: 10 }, (_, i) => ({
    index_key: i,
    schema_version: 0,
    attributes: { id: `f${i}`, input: null, output: null, triggers_replace: null },
    sensitive_attributes: [],
  })),
})},\n`;
/** A repo config whose projects (at these dirs) run `hook.sh` of their dir after the plan. */
export const hookedConfig = (dirs: string[]) =>
  [
    "version: 1",
    "projects:",
    ...dirs.map((d) => `  - { dir: ${d}, workflow: hooked }`),
    "workflows:",
    "  hooked:",
    "    plan:",
    "      steps: [init, plan, { run: [sh, hook.sh] }]",
    "",
  ].join("\n");
