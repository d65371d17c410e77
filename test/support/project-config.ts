import type { ProjectConfig } from "../../src/model/repo-config.js";

/** A project's default `when_modified`, written out here so that a change to the app's default shows. */
export const TF_DEFAULT = ["**/*.tf*", "**/*.tofu", "**/*.tofu.json", "**/terragrunt.hcl", "**/.terraform.lock.hcl"];

/** The model of a terraform project at `dir` as a repo config gives it with nothing set, but `more`. */
export function tf(dir: string, more: Partial<ProjectConfig> = {}): ProjectConfig {
  return {
    name: dir,
    dir,
    workspace: "default",
    runner: "terraform",
    autoplan: { enabled: true, whenModified: TF_DEFAULT },
    dependsOn: [],
    executionOrderGroup: 0,
    ...more,
  };
}
