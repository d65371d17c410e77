import { describe, expect, it } from "vitest";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import { compareChanges } from "../../src/policy/compare-changes.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";

type S = Pick<PlanSummary, "resources" | "outputs" | "changeHashes" | "actions" | "moves" | "imports">;
const plan = (hashes: Record<string, string> | undefined, ...resources: PlanSummary["resources"]): S => ({
  resources,
  outputs: [],
  changeHashes: hashes,
  moves: [],
});
const x = { address: "terraform_data.x", action: "update" as const };
const y = { address: "terraform_data.y", action: "create" as const };

describe("compareChanges", () => {
  it("same addresses, actions and values: the same changes", () => {
    expect(compareChanges(plan({ [x.address]: "h1" }, x), plan({ [x.address]: "h1" }, x))).toBeUndefined();
  });

  it("same addresses and actions, other planned values: different, naming the resource", () => {
    expect(compareChanges(plan({ [x.address]: "h1" }, x), plan({ [x.address]: "h2" }, x))).toBe("other planned values: `terraform_data.x`");
  });

  it("an output whose value changed is a difference too", () => {
    const a = { ...plan({ "output.tag": "v1" }), outputs: [{ name: "tag", action: "update" as const, sensitive: false }] };
    const b = { ...a, changeHashes: { "output.tag": "v2" } };
    expect(compareChanges(a, b)).toContain("`output.tag`");
  });

  it("new and missing resources are named before values", () => {
    expect(compareChanges(plan({}, x), plan({}, x, y))).toBe("new: create `terraform_data.y`");
    expect(compareChanges(plan({}, x, y), plan({}, x))).toBe("no longer planned: create `terraform_data.y`");
  });

  it("values that cannot be compared count as different; two empty plans are the same", () => {
    expect(compareChanges(plan(undefined, x), plan(undefined, x))).toContain("cannot be compared");
    expect(compareChanges(plan(undefined), plan(undefined))).toBeUndefined();
  });

  it("an action the plan invokes is a change: one the approved plan did not invoke is new (control: the same action on both is the same)", () => {
    const invokes = {
      ...plan({ [x.address]: "h1" }, x),
      actions: [{ address: "action.aws_lambda_invoke.wipe", type: "aws_lambda_invoke" }],
    };
    expect(compareChanges(plan({ [x.address]: "h1" }, x), invokes)).toBe("new: invoke `action.aws_lambda_invoke.wipe`");
    expect(compareChanges(invokes, { ...invokes })).toBeUndefined();
  });

  it("a move or an import without other changes is a change too: at merge, one the approved plan did not make is new (control: the same on both)", () => {
    // A base branch commit merged meanwhile: `moved { from = module.vpc, to = module.net }` takes the
    // VPC out of `protect`, or an `import` brings an admin role under Terraform; neither is in `resources`.
    const approved = plan({ [x.address]: "h1" }, x);
    const moving = { ...approved, moves: [{ from: "module.vpc.aws_vpc.main", to: "module.net.aws_vpc.main" }] };
    expect(compareChanges(approved, moving)).toBe("new: move `module.vpc.aws_vpc.main` to `module.net.aws_vpc.main`");
    const importing = { ...approved, imports: ["aws_iam_role.admin"] };
    expect(compareChanges(approved, importing)).toBe("new: import `aws_iam_role.admin`");
    expect(compareChanges(moving, { ...moving })).toBeUndefined();
    expect(compareChanges(importing, { ...importing })).toBeUndefined();
  });

  it("attack: the same action invoked with other values (another function, another payload) is a different plan (control: the same values are the same)", () => {
    // Approved: a relabel whose after_update trigger invokes a Lambda that deploys. At merge, the
    // base branch's change makes the same action call another function: no resource differs.
    const summary = (functionName: string, times = 1) => {
      const invocation = {
        address: "action.aws_lambda_invoke.hook",
        type: "aws_lambda_invoke",
        name: "hook",
        provider_name: "registry.terraform.io/hashicorp/aws",
        config_values: { function_name: functionName, payload: "{}" },
        config_sensitive: {},
        config_unknown: {},
        lifecycle_action_trigger: { triggering_resource_address: "terraform_data.x", action_trigger_event: "AfterUpdate" },
      };
      const s = summarizePlan({
        format_version: "1.2",
        terraform_version: "1.14.0",
        resource_changes: [
          {
            address: "terraform_data.x",
            mode: "managed",
            type: "terraform_data",
            name: "x",
            change: { actions: ["update"], before: { input: 1 }, after: { input: 2 } },
          },
        ],
        action_invocations: Array.from({ length: times }, () => invocation),
      });
      if (!s.ok) throw new Error(s.error);
      return s.summary;
    };
    expect(compareChanges(summary("deploy"), summary("wipe-db"))).toBe("other planned values: `action.aws_lambda_invoke.hook`");
    expect(compareChanges(summary("deploy"), summary("deploy", 2))).toBe("other planned values: `action.aws_lambda_invoke.hook`");
    expect(compareChanges(summary("deploy"), summary("deploy"))).toBeUndefined();
  });
});
