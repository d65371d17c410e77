import { sameFailures } from "../../src/model/policy-check.js";
import { describe, expect, it } from "vitest";
import { conftestArgv } from "../../runners/conftest/conftest-argv.js";
import { parseConftestOutput } from "../../runners/conftest/parse-conftest-output.js";
import { approvableSets, policyRules, policyStatus } from "../../src/policy/policy-status.js";
import { parseServerConfig } from "../../src/config/server-config.js";

/** conftest.dev/output's example, with a failure added. */
const documented = JSON.stringify([
  {
    filename: "plan.json",
    namespace: "main",
    successes: 4,
    warnings: [{ msg: "Found service hello-kubernetes but services are not allowed", metadata: { query: "data.main.warn" } }],
    failures: [{ msg: "terraform_data.a may not be created", metadata: { query: "data.main.deny" } }],
  },
]);

describe("parseConftestOutput", () => {
  it.each<[string, Parameters<typeof parseConftestOutput>[1], ReturnType<typeof parseConftestOutput>]>([
    [
      "a failure (exit 1)",
      { exitCode: 1, stdout: documented, stderr: "" },
      {
        name: "s",
        status: "failed",
        successes: 4,
        failures: ["terraform_data.a may not be created"],
        warnings: ["Found service hello-kubernetes but services are not allowed"],
      },
    ],
    [
      "passed, warnings and absent keys (exit 0)",
      { exitCode: 0, stdout: '[{"filename":"p.json","namespace":"main","successes":2,"warnings":[{"msg":"w"}]}]', stderr: "" },
      { name: "s", status: "passed", successes: 2, warnings: ["w"] },
    ],
    [
      "several namespaces add up",
      {
        exitCode: 1,
        stdout: '[{"filename":"p","namespace":"a","successes":1},{"filename":"p","namespace":"b","successes":2,"failures":[{"msg":"f"}]}]',
        stderr: "",
      },
      { name: "s", status: "failed", successes: 3, failures: ["f"], warnings: [] },
    ],
    [
      "warnings that fail (--fail-on-warn, exit 1)",
      { exitCode: 1, stdout: '[{"filename":"p","namespace":"main","successes":0,"warnings":[{"msg":"w"}]}]', stderr: "" },
      { name: "s", status: "failed", successes: 0, failures: ["w"], warnings: [] },
    ],
    [
      "policies that do not load (exit 1, stderr, no JSON)",
      { exitCode: 1, stdout: "", stderr: "Error: running test: load: loading policies: rego_parse_error\nmore" },
      {
        name: "s",
        status: "error",
        message: "conftest could not evaluate the policies: Error: running test: load: loading policies: rego_parse_error",
      },
    ],
    [
      // conftest.dev: with --fail-on-warn, failures exit 2 and warnings alone 1 (ExitCodeFailOnWarn).
      "a failure under --fail-on-warn (exit 2): a failure the owners may approve, not an unevaluable set",
      { exitCode: 2, stdout: documented, stderr: "" },
      {
        name: "s",
        status: "failed",
        successes: 4,
        failures: ["terraform_data.a may not be created"],
        warnings: ["Found service hello-kubernetes but services are not allowed"],
      },
    ],
    [
      "exit 2 with nothing failed",
      { exitCode: 2, stdout: '[{"filename":"p","namespace":"main","successes":1,"warnings":[{"msg":"w"}]}]', stderr: "boom" },
      { name: "s", status: "error", message: "conftest exited with code 2 but reported no failure: boom" },
    ],
    [
      "exit 3",
      { exitCode: 3, stdout: documented, stderr: "boom" },
      { name: "s", status: "error", message: "conftest exited with code 3: boom" },
    ],
    [
      "not JSON",
      { exitCode: 0, stdout: "panic: nil", stderr: "" },
      { name: "s", status: "error", message: "conftest printed no JSON results" },
    ],
    [
      "JSON of another shape",
      { exitCode: 0, stdout: '{"ok":true}', stderr: "" },
      {
        name: "s",
        status: "error",
        message: "conftest's output is not the JSON it documents (an array of results per file and namespace)",
      },
    ],
    [
      "no results",
      { exitCode: 0, stdout: "[]", stderr: "" },
      { name: "s", status: "error", message: "conftest evaluated nothing (no results)" },
    ],
    [
      "no rule in the namespace",
      { exitCode: 0, stdout: '[{"filename":"p","namespace":"main","successes":0}]', stderr: "" },
      {
        name: "s",
        status: "error",
        message: "conftest evaluated no rule: check the policies' package and the --namespace / --all-namespaces arguments",
      },
    ],
    [
      "exit 1 and nothing failed",
      { exitCode: 1, stdout: '[{"filename":"p","namespace":"main","successes":1}]', stderr: "" },
      { name: "s", status: "error", message: "conftest exited with code 1 but reported no failure" },
    ],
    [
      "killed",
      { exitCode: null, signal: "SIGKILL", stdout: "", stderr: "" },
      { name: "s", status: "error", message: "conftest was killed by SIGKILL" },
    ],
    [
      "timed out",
      { exitCode: null, timedOut: true, stdout: "", stderr: "" },
      { name: "s", status: "error", message: "conftest timed out and was stopped" },
    ],
  ])("%s", (_, run, expected) => {
    expect(parseConftestOutput("s", run)).toEqual(expected);
  });

  it("keeps the first 50 failures and says how many more there were, so that lists of other lengths never compare alike", () => {
    const run = (n: number, last = "") =>
      parseConftestOutput("s", {
        exitCode: 1,
        stdout: JSON.stringify([
          {
            filename: "p",
            namespace: "main",
            successes: 0,
            failures: Array.from({ length: n }, (_, i) => ({ msg: i === n - 1 ? `f${i}${last}` : `f${i}` })),
          },
        ]),
        stderr: "",
      });
    const sixty = run(60);
    const failures = sixty.status === "failed" ? sixty.failures : [];
    expect(failures).toHaveLength(51);
    expect(failures.at(-1)).toBe("… and 10 more not shown (60 in all)");
    expect(sameFailures(sixty, run(61))).toBe(false);
    // Of one length, differing only past the cut: not alike either.
    expect(sameFailures(sixty, run(60, " (reworded)"))).toBe(false);
    // Control: the same failures compare alike; fifty are all kept, with no note.
    expect(sameFailures(sixty, run(60))).toBe(true);
    const fifty = run(50);
    expect(fifty.status === "failed" ? fifty.failures : []).toHaveLength(50);
  });

  it("builds Atlantis' argv: JSON output, the set's dir, extra args, the file last", () => {
    expect(conftestArgv("/p/set", "/d/plan.tfplan.json", ["--all-namespaces"])).toEqual([
      "test",
      "--no-color",
      "--output",
      "json",
      "-p",
      "/p/set",
      "--all-namespaces",
      "/d/plan.tfplan.json",
    ]);
  });
});

describe("policy status and approvals", () => {
  const config = parseServerConfig(
    [
      "policies:",
      "  owners: { users: [Sec] }",
      "  policy_sets:",
      "    - { name: a, path: /p/a, source: local }",
      "    - { name: b, path: /p/b, source: local, approve_count: 2, owners: { teams: [acme/security] }, prevent_self_approve: true }",
    ].join("\n"),
  );
  const rules = policyRules(config.policies);
  const failedBoth = {
    sets: [
      { name: "a", status: "failed" as const, successes: 0, failures: ["x"], warnings: [] },
      { name: "b", status: "failed" as const, successes: 0, failures: ["y"], warnings: [] },
    ],
  };

  it("reads Atlantis' policies block with its defaults", () => {
    expect(config.policies?.conftest_binary).toBe("conftest");
    expect(rules).toEqual([
      { name: "a", owners: { users: ["Sec"], teams: [] }, approveCount: 1, preventSelfApprove: false },
      { name: "b", owners: { users: ["Sec"], teams: ["acme/security"] }, approveCount: 2, preventSelfApprove: true },
    ]);
    expect(() => parseServerConfig("policies:\n  policy_sets:\n    - { name: a, path: relative, source: local }\n")).toThrow(
      /absolute path/,
    );
    expect(() => parseServerConfig("policies:\n  policy_sets:\n    - { name: a, path: /x, source: git }\n")).toThrow(
      /policy_sets\.0\.source/,
    );
  });

  it("reads a server workflow's policy_check stage (Atlantis' shape) and refuses custom policy steps", () => {
    const wf = (steps: string) =>
      `policies:\n  policy_sets: [{ name: a, path: /p, source: local }]\nworkflows:\n  w:\n    policy_check:\n      steps: ${steps}\n`;
    const parsed = parseServerConfig(wf('[show, { policy_check: { extra_args: ["--namespace", "terraform"] } }]'));
    expect(parsed.serverWorkflows.w?.policyCheck).toEqual({ extraArgs: ["--namespace", "terraform"] });
    expect(parsed.serverWorkflows.w?.plan.map((s) => s.kind)).toEqual(["init", "plan"]);
    expect(parseServerConfig(wf("[policy_check]")).serverWorkflows.w?.policyCheck).toEqual({ extraArgs: [] });
    expect(() => parseServerConfig(wf("[show]"))).toThrow(/needs exactly one policy_check step/);
    expect(() => parseServerConfig(wf("[{ run: cnspec scan }]"))).toThrow(/custom policy check steps are not supported/);
  });

  it("passes when nothing is configured, every set passed, or failed sets have enough distinct approvals", () => {
    expect(policyStatus([], undefined, [])).toEqual({ passed: true });
    const approvals = [
      { policySet: "a", user: "sec" },
      { policySet: "b", user: "sec" },
      { policySet: "b", user: "SEC" },
    ];
    const status = policyStatus(rules, failedBoth, approvals);
    // `b` needs two different people: the same login twice (any case) counts once.
    expect(status).toEqual({
      passed: false,
      blocking: [expect.objectContaining({ name: "b", reason: "failed", approvals: 1, needed: 2 })],
    });
    expect(policyStatus(rules, failedBoth, [...approvals, { policySet: "b", user: "carol" }])).toEqual({ passed: true });
  });

  it("an approval an older version kept (no account id) and one its giver gave again since (with the id) are one owner; control: two accounts are two", () => {
    // An identical earlier plan's approval from before store migration 17, carried over, and sec's new one.
    const again = [
      { policySet: "b", user: "sec" },
      { policySet: "b", user: "sec", userId: 41 },
    ];
    expect(policyStatus(rules, failedBoth, [{ policySet: "a", user: "sec", userId: 41 }, ...again])).toEqual({
      passed: false,
      blocking: [expect.objectContaining({ name: "b", reason: "failed", approvals: 1, needed: 2 })],
    });
    const two = [{ policySet: "a", user: "sec", userId: 41 }, ...again, { policySet: "b", user: "carol", userId: 42 }];
    expect(policyStatus(rules, failedBoth, two)).toEqual({ passed: true });
  });

  it("fails closed: no outcome for the plan, a set missing from it, or a set that errored (approvals do not lift it)", () => {
    expect(policyStatus(rules, undefined, [])).toMatchObject({
      passed: false,
      blocking: [{ reason: "unchecked" }, { reason: "unchecked" }],
    });
    const errored = { sets: [{ name: "a", status: "error" as const, message: "exit 2" }] };
    expect(policyStatus(rules, errored, [{ policySet: "a", user: "sec" }])).toMatchObject({
      passed: false,
      blocking: [
        { name: "a", reason: "error", message: "exit 2" },
        { name: "b", reason: "unchecked" },
      ],
    });
  });

  it("owners approve only the failed sets they own; a team counts; self-approval only where allowed", () => {
    // The sets whose listed users name the account (setsNaming matches them by account id).
    const named = (user: string) => new Set(rules.filter((r) => r.owners.users.some((u) => u.toLowerCase() === user)).map((r) => r.name));
    expect(approvableSets(rules, failedBoth, named("sec"), new Set(), false)).toEqual({
      approvable: ["a", "b"],
      notOwner: [],
      selfBlocked: [],
    });
    expect(approvableSets(rules, failedBoth, named("bob"), new Set(), false)).toEqual({
      approvable: [],
      notOwner: ["a", "b"],
      selfBlocked: [],
    });
    expect(approvableSets(rules, failedBoth, named("carol"), new Set(["acme/security"]), false)).toEqual({
      approvable: ["b"],
      notOwner: ["a"],
      selfBlocked: [],
    });
    expect(approvableSets(rules, failedBoth, named("sec"), new Set(), true)).toEqual({
      approvable: ["a"],
      notOwner: [],
      selfBlocked: ["b"],
    });
    const passed = { sets: [{ name: "a", status: "passed" as const, successes: 1, warnings: [] }] };
    expect(approvableSets(rules, passed, named("sec"), new Set(), false).approvable).toEqual([]);
  });
});
