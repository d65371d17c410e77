// Shared by the teardown tests: a plan file whose prior state claims resources the backend does
// not hold, written by a `run` step after the plan (the base branch's workflow runs the PR's script).

import type { Role } from "../simulator/sim-types.js";
import { type Harness, statefulProject } from "../support/harness.js";
import { newRepo, type StatePath } from "./teardown-support.js";
import { completed, type Repo, seedState } from "./trust-holes-support.js";

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

/** An output: a change of web and app that deletes nothing. */
export const OUTPUT = 'output "v" {\n  value = 1\n}\n';

/**
 * acme/NAME: web and app (hookedConfig, their hooks doing nothing), four resources in each state,
 * then a pull request's ordinary change of both (OUTPUT), planned and applied by `apply`: the
 * read-back finds four resources in each state.
 */
export async function fourEachApplied(
  h: Harness,
  name: string,
  users: readonly (readonly [string, Role])[],
  apply: (repo: Repo, pr: number) => Promise<string>,
) {
  const { repo, state } = await newRepo(h, name, users, (s) => ({
    ".sluice.yaml": hookedConfig(["web", "app"]),
    "web/hook.sh": "true\n",
    "app/hook.sh": "true\n",
    "web/main.tf": statefulProject("web", s("web"), 4),
    "app/main.tf": statefulProject("app", s("app"), 4),
  }));
  await seedState(statefulProject("web", state("web"), 4));
  await seedState(statefulProject("app", state("app"), 4));
  const files = {
    "web/main.tf": statefulProject("web", state("web"), 4, OUTPUT),
    "app/main.tf": statefulProject("app", state("app"), 4, OUTPUT),
  };
  await h.sim.pushBranch(repo, { branch: "change", files });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "bob" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const applied = await apply(repo, pr.number);
  return { repo, state, pr, applied };
}

/** Deletes (web down to one of four, app to two: half) and the hooks that inflate each plan file by FAKE. */
export const inflatedDeletes = (state: StatePath, extra = "") => ({
  "web/hook.sh": INFLATE,
  "web/fake.json": FAKE,
  "app/hook.sh": INFLATE,
  "app/fake.json": FAKE,
  "web/main.tf": statefulProject("web", state("web"), 1, extra),
  "app/main.tf": statefulProject("app", state("app"), 2, extra),
});
