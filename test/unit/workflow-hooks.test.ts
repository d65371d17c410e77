import { describe, expect, it } from "vitest";
import { hookEnv, hooksFor } from "../../src/tool-runs/workflow-hooks.js";

describe("workflow hooks (pure parts)", () => {
  it.each([
    [undefined, "plan", true],
    ["plan", "plan", true],
    ["plan, apply", "apply", true],
    ["apply", "plan", false],
  ])("commands %s runs for %s: %s", (commands, command, runs) => {
    expect(hooksFor([{ run: "x", ...(commands ? { commands } : {}) }], command)).toHaveLength(runs ? 1 : 0);
  });

  it("sets Atlantis' documented variables, COMMENT_ARGS escaped as Atlantis does", () => {
    const env = hookEnv({
      command: "plan",
      pr: {
        number: 7,
        author: "alice",
        headSha: "abc",
        headRef: "feature",
        headRepo: "fork/infra",
        baseRef: "main",
        htmlUrl: "https://x/pull/7",
      },
      repo: { owner: "acme", name: "infra" },
      dir: "/work/checkout",
      user: "bob",
      commentArgs: ["arg1", "arg2"],
      projectName: "net",
    });
    expect(env).toEqual({
      BASE_REPO_NAME: "infra",
      BASE_REPO_OWNER: "acme",
      HEAD_REPO_NAME: "infra",
      HEAD_REPO_OWNER: "fork",
      HEAD_BRANCH_NAME: "feature",
      HEAD_COMMIT: "abc",
      BASE_BRANCH_NAME: "main",
      PULL_NUM: "7",
      PULL_URL: "https://x/pull/7",
      PULL_AUTHOR: "alice",
      DIR: "/work/checkout",
      USER_NAME: "bob",
      COMMENT_ARGS: "\\a\\r\\g\\1,\\a\\r\\g\\2",
      COMMAND_NAME: "plan",
      OUTPUT_STATUS_FILE: "/tmp/sluice-hook-status",
      PROJECT_NAME: "net",
    });
  });
});
