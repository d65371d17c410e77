import { describe, expect, it } from "vitest";
import { parseComment } from "../../src/command/parse-comment.js";
import { explainWhy } from "../../src/projects/explain-why.js";

describe("/plan --why", () => {
  it("parses, with filters, and never with Terraform arguments or -destroy", () => {
    expect(parseComment("/plan --why")).toEqual({ type: "command", command: { kind: "plan", filter: {}, extraArgs: [], why: true } });
    expect(parseComment("sluice plan --why -d envs/prod")).toEqual({
      type: "command",
      command: { kind: "plan", filter: { dir: "envs/prod" }, extraArgs: [], why: true },
    });
    expect(parseComment("/plan --why -- -var a=b")).toEqual({
      type: "invalid",
      reason: "`/plan --why` plans nothing, so it takes no Terraform arguments",
    });
    expect(parseComment("/plan --why -destroy")).toEqual({
      type: "invalid",
      reason: "`/plan --why` plans nothing, so `-destroy` has no meaning with it",
    });
    expect(parseComment("/apply --why").type).toBe("invalid");
  });

  it("answers with each project's reasons and the changed files that plan nothing", () => {
    const text = explainWhy(
      [
        {
          name: "envs/prod",
          dir: "envs/prod",
          workspace: "default",
          runner: "terraform",
          why: ["`bootstrap/addons.yaml`, read by module `modules/eks` (`file`)"],
        },
        { name: "net", dir: "net", workspace: "default", runner: "terraform" },
      ],
      ["bootstrap/addons.yaml", "README.md", "docs/a.md"],
    );
    expect(text).toBe(
      [
        "2 projects would be planned, for these reasons (`/plan --why`: nothing was planned; comment `/plan` to plan them):",
        "envs/prod (envs/prod, workspace default)",
        "  why: bootstrap/addons.yaml, read by module modules/eks (file)",
        "net (net, workspace default)",
        "  why: selected by the command, not by a change of this pull request",
        "",
        "Changed files that plan no project:",
        "  README.md",
        "  docs/a.md",
      ].join("\n"),
    );
  });

  it("says when nothing would be planned", () => {
    expect(explainWhy([], ["README.md"])).toBe(
      "No project is affected by the changes in this pull request (`/plan --why`: nothing was planned).\n\nChanged files that plan no project:\n  README.md",
    );
  });
});
