import { describe, expect, it } from "vitest";
import { defaultRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { untrustedSettings } from "../../src/config/untrusted-settings.js";
import type { ProjectConfig, RepoConfig } from "../../src/model/repo-config.js";

const project = (extra: Partial<ProjectConfig> = {}): ProjectConfig => ({
  name: "db",
  dir: "charts/db",
  workspace: "default",
  runner: "helm",
  autoplan: { enabled: true, whenModified: [] },
  dependsOn: [],
  executionOrderGroup: 0,
  ...extra,
});
const config = (projects: ProjectConfig[]): RepoConfig => ({ ...defaultRepoConfig(), source: ".sluice.yaml", projects });
const helm = (secretSet: Record<string, string>) => ({ values: [], set: {}, secretSet, ignore: [] });

describe("untrustedSettings", () => {
  it("names trusted settings the PR's config adds or changes, and only those", () => {
    const head = config([
      project({ helm: helm({ password: "db_password", user: "db_user" }), allowDestroy: true, terraformBinary: "tofu1.8" }),
    ]);
    const base = config([project({ helm: helm({ user: "db_user" }) })]);
    const notes = untrustedSettings(head, base);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toContain("`secret_set: {password: db_password}` of project `db` in .sluice.yaml does not apply");
    expect(notes[1]).toContain("`allow_destroy: true`");
    expect(notes[2]).toContain("`terraform_binary: tofu1.8`");
    for (const n of notes) expect(n).toContain("Merge the config change first");
    expect(untrustedSettings(base, base)).toEqual([]);
  });

  it("a config the PR adds (no trusted config) names its secret_set", () => {
    expect(untrustedSettings(config([project({ helm: helm({ password: "db_password" }) })]), undefined)[0]).toContain(
      "a pull request may not choose where a server secret goes",
    );
  });
});
