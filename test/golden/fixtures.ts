import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { ProjectResult } from "../../src/model/project-result.js";
import type { Project } from "../../src/model/project.js";
import type { CommentInput } from "../../src/render/render-comment.js";

/** Test data builders for the renderer's tests and golden comments. */
export function project(name: string, dir = `envs/${name}`, workspace = "default"): Project {
  return { name, dir, workspace, runner: "terraform" };
}

export function summary(over: Partial<PlanSummary> = {}): PlanSummary {
  return {
    add: 0,
    change: 0,
    destroy: 0,
    replace: 0,
    move: 0,
    import: 0,
    forget: 0,
    resources: [],
    moves: [],
    outputs: [],
    hasChanges: false,
    sensitiveValues: [],
    ...over,
  };
}

/** A plan with a create, an update, a delete, a replace and a moved resource. */
export const mixedSummary = summary({
  add: 2,
  change: 1,
  destroy: 2,
  replace: 1,
  move: 1,
  resources: [
    { address: 'aws_instance.web["a b"]', action: "replace", reason: "replace_because_cannot_update" },
    { address: "aws_s3_bucket.logs", action: "create" },
    { address: "aws_iam_role.legacy", action: "delete", reason: "delete_because_no_resource_config" },
    { address: "aws_security_group.web", action: "update" },
    { address: "module.dns.aws_route53_record.www", action: "update", previousAddress: "aws_route53_record.www" },
  ],
  moves: [{ from: "aws_instance.old", to: "aws_instance.new" }],
  outputs: [{ name: "web_ip", action: "update", sensitive: false }],
  hasChanges: true,
  sensitiveValues: ["hunter2-db-password"],
});

export const PLAN_OUTPUT = `Terraform used the selected providers to generate the following execution plan.
Resource actions are indicated with the following symbols:
  + create
  ~ update in-place
  - destroy
-/+ destroy and then create replacement

Terraform will perform the following actions:

  # aws_iam_role.legacy will be destroyed
  - resource "aws_iam_role" "legacy" {
      - name = "legacy" -> null
    }

  # aws_instance.web["a b"] must be replaced
-/+ resource "aws_instance" "web" {
      ~ ami      = "ami-123" -> "ami-456" # forces replacement
      ~ password = (sensitive value)
    }

Plan: 2 to add, 1 to change, 2 to destroy.
`;

export function planned(name: string, s: PlanSummary, output = PLAN_OUTPUT): ProjectResult {
  return { project: project(name), status: "planned", summary: s, output };
}

export function input(over: Partial<CommentInput> = {}): CommentInput {
  return {
    jobId: "17",
    command: "plan",
    state: "done",
    headSha: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    triggerText: "/plan -p net",
    triggerUser: "alice",
    results: [],
    ...over,
  };
}
