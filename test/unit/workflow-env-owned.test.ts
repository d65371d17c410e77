import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { parseServerConfig } from "../../src/config/server-config.js";

/**
 * A workflow's `env` step that set TF_WORKSPACE or TF_DATA_DIR ran terraform in another workspace
 * or data dir than the project's trusted identity: the locks, the state checks and the read-back
 * looked at one place while the plan and apply went to another.
 */
const sluice = (name: string) =>
  `version: 1\nprojects:\n  - dir: net\n    workflow: w\nworkflows:\n  w:\n    plan:\n      steps: [init, {env: {name: ${name}, value: prod}}, plan]\n`;
const atlantis = (name: string) =>
  `version: 3\nprojects:\n  - dir: net\n    workflow: w\nworkflows:\n  w:\n    plan:\n      steps: [init, {env: {name: ${name}, value: prod}}, plan]\n`;

describe("a workflow cannot set what Sluice sets for every Terraform run", () => {
  it.each(["TF_WORKSPACE", "TF_DATA_DIR", "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "tf_cli_config_file"])(
    "%s in an env step is a config error, in either format (control: TF_LOG is taken)",
    (name) => {
      for (const [format, text] of [
        ["sluice", sluice(name)],
        ["atlantis", atlantis(name)],
      ] as const) {
        const bad = loadRepoConfig({ [format]: text });
        expect(bad.ok, format).toBe(false);
        expect(bad.ok ? "" : bad.errors.join("\n"), format).toMatch(/is set by Sluice for every run/);
        const good = loadRepoConfig({ [format]: text.replace(name, "TF_LOG") });
        expect(good.ok, format).toBe(true);
      }
    },
  );

  it("nor in a run step's env, nor in a server workflow", () => {
    const run =
      "version: 1\nprojects:\n  - dir: net\n    workflow: w\nworkflows:\n  w:\n    plan:\n      steps: [init, {run: {command: [make], env: {TF_WORKSPACE: prod}}}]\n";
    expect(loadRepoConfig({ sluice: run }).ok).toBe(false);
    expect(() =>
      parseServerConfig("workflows:\n  w:\n    plan:\n      steps: [init, {env: {name: TF_DATA_DIR, value: /tmp/x}}, plan]\n"),
    ).toThrow(/is set by Sluice for every run/);
  });
});
