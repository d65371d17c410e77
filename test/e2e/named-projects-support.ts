// Shared by the e2e tests of Atlantis' "custom backend config" pattern (named-projects,
// drift-named-projects, drift-named-reconcile, merge-without-plans-named): projects sharing
// `.`/default, each workflow initialising its own local backend and planning its own var file;
// namedRepo also for trust-holes-workspaces.

import { join } from "node:path";
import type { Harness } from "../support/harness.js";

/** `n` items; each project sets `n` in its own NAME.tfvars. */
export const MAIN_TF = `terraform {
  backend "local" {}
}

variable "n" {
  type = number
}

resource "terraform_data" "item" {
  count = var.n
  input = "item-\${count.index}"
}
`;

/** The `workflows:` entries of `names`, each NAME's init keeping its state at `state(NAME)` and its plan reading NAME.tfvars. */
export const workflows = (names: string[], state: (name: string) => string) =>
  names
    .map(
      (name) => `  ${name}:
    plan:
      steps:
        - init:
            extra_args: ["-backend-config=path=${state(name)}"]
        - plan:
            extra_args: ["-var-file=${name}.tfvars"]
`,
    )
    .join("");

/** A repository's files: the projects `names` on `.`/default (each its own workflow and state), each with `n = 0`. */
export function namedProjectFiles(names: string[], state: (name: string) => string): Record<string, string> {
  const projects = names.map((name) => `  - { name: ${name}, dir: ., workflow: ${name} }\n`).join("");
  const files: Record<string, string> = {
    "atlantis.yaml": `version: 3\nprojects:\n${projects}workflows:\n${workflows(names, state)}`,
    "main.tf": MAIN_TF,
  };
  for (const name of names) files[`${name}.tfvars`] = "n = 0\n";
  return files;
}

/** prod and staging (namedProjectFiles), each its state in `stateDir` named after the repository `repo` and the project. */
export const prodAndStaging = (stateDir: string, repo: string) =>
  namedProjectFiles(["prod", "staging"], (project) => join(stateDir, `${repo}-${project}.tfstate`));

/** acme/NAME holding `files`, which `writers` may write to. */
export function namedRepo(h: Harness, name: string, files: Record<string, string>, writers = ["alice", "bob"]) {
  for (const u of writers) h.sim.setPermission(`acme/${name}`, u, "write");
  return h.sim.createRepo({ owner: "acme", name, files });
}
