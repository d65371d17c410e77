import { describe, expect, it } from "vitest";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { planContent } from "../../src/gate/plan-content.js";
import { addressMatches, autoApproval, protectedChanges } from "../../src/gate/plan-rules.js";
import { planRuleNotes } from "../../src/gate/plan-rule-notes.js";
import { approvalMode } from "../../src/gate/plan-rule-checks.js";

// Plans shaped to slip past `protect`: each one destroys what a pattern names, in a form the
// gate must still read as that destroy.

const protect = (pattern: string) => [{ pattern, source: "server config" }];

describe("protect: addresses a pull request can reshape", () => {
  it("`count = 0` on a protected resource: terraform moves it to [0] and destroys it there (terraform 1.11's plan)", () => {
    // `resource "terraform_data" "db" { count = 0 }` over a state holding `terraform_data.db`.
    const plan = {
      format_version: "1.2",
      terraform_version: "1.11.4",
      planned_values: { root_module: {} },
      resource_changes: [
        {
          address: "terraform_data.db[0]",
          previous_address: "terraform_data.db",
          mode: "managed",
          type: "terraform_data",
          name: "db",
          index: 0,
          change: { actions: ["delete"], before: { input: "v1" }, after: null },
          action_reason: "delete_because_count_index",
        },
      ],
    };
    const s = summarizePlan(plan);
    if (!s.ok) throw new Error(s.error);
    const hits = protectedChanges(planContent(s.summary, "terraform"), protect("terraform_data.db"));
    expect(hits).toEqual([
      { address: "terraform_data.db[0]", action: "destroys", pattern: "terraform_data.db", movedFrom: "terraform_data.db" },
    ]);
  });

  it("the deposed object of a protected resource (a create_before_destroy replace whose destroy failed) is still that resource's", () => {
    const plan = {
      format_version: "1.2",
      planned_values: { root_module: {} },
      resource_changes: [
        {
          address: "terraform_data.db",
          mode: "managed",
          deposed: "00000001",
          change: { actions: ["delete"], before: { input: "v1" }, after: null },
        },
      ],
    };
    const s = summarizePlan(plan);
    if (!s.ok) throw new Error(s.error);
    const hits = protectedChanges(planContent(s.summary, "terraform"), protect("terraform_data.db"));
    expect(hits.map((h) => h.address)).toEqual(["terraform_data.db (deposed 00000001)"]);
  });

  it.each([
    // docs/plan-rules.md: "`module.vpc.*` protects everything in the root module's call `vpc`".
    ["module.vpc.*", "module.vpc[0].aws_subnet.a", true],
    ["module.vpc.*", 'module.vpc["eu"].aws_subnet.a', true],
    ["module.vpc.*", 'module.vpc["e.u"].module.inner.aws_db_instance.main', true],
    ["module.net.module.vpc.*", 'module.net[1].module.vpc["x"].aws_subnet.a', true],
    // A key in the pattern still means exactly that instance.
    ['module.vpc["eu"].*', 'module.vpc["us"].aws_subnet.a', false],
    ['module.vpc["eu"].*', 'module.vpc["eu"].aws_subnet.a', true],
    // Not another call whose name only starts the same.
    ["module.vpc.*", "module.vpcx[0].aws_subnet.a", false],
    ["module.vpc.*", "module.outer.module.vpc[0].aws_subnet.a", false],
  ])("%s on %s: %s", (pattern, address, matches) => {
    expect(addressMatches(pattern, address)).toBe(matches);
  });
});

describe("protect and auto_approve on Helm: an object turned into a hook", () => {
  const pvc = (annotations?: Record<string, string>) =>
    [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata:",
      "  name: data",
      "  namespace: db",
      ...(annotations
        ? ["  annotations:", ...Object.entries(annotations).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)]
        : []),
      "spec:",
      "  accessModes: [ReadWriteOnce]",
      "  resources: {requests: {storage: 100Gi}}",
      "",
    ].join("\n");

  // `helm template` renders hooks with the rest, so base and head both have the PVC; but a hook is
  // not part of the release's manifest: `helm upgrade` deletes the PVC the release held (it is in
  // the old manifest, not in the new one) and a `pre-install` hook never recreates it on upgrade.
  const plan = (tool: string) =>
    planFromRenders({
      base: pvc(),
      head: pvc({ "helm.sh/hook": "pre-install" }),
      defaultNamespace: "db",
      ignore: [],
      tool,
      hashing: { key: "k" },
    });

  it("is read as the release losing that object: protect refuses it, only_tags does not hold", () => {
    const planned = plan("helm");
    if (!planned.ok) throw new Error(planned.message);
    const content = planContent(planned.summary, "helm");
    expect(protectedChanges(content, protect("PersistentVolumeClaim/*")).map((h) => h.address)).toEqual(["PersistentVolumeClaim/db/data"]);
    expect(content.onlyTags).toBe(false);
    expect(autoApproval(content, { when: ["only_tags", "no_destroy"], source: "server config" })?.met).toBe(false);
    expect(planned.output).toContain("helm.sh/hook");
  });

  it("control: the same annotation on a Kustomize object means nothing to kubectl, and stays an annotation change", () => {
    const planned = plan("kustomize");
    if (!planned.ok) throw new Error(planned.message);
    const content = planContent(planned.summary, "kustomize");
    expect(protectedChanges(content, protect("PersistentVolumeClaim/*"))).toEqual([]);
    expect(content.onlyTags).toBe(true);
  });

  it("control: another annotation on a Helm object is still only an annotation change", () => {
    const planned = planFromRenders({
      base: pvc(),
      head: pvc({ team: "db" }),
      defaultNamespace: "db",
      ignore: [],
      tool: "helm",
      hashing: { key: "k" },
    });
    if (!planned.ok) throw new Error(planned.message);
    const content = planContent(planned.summary, "helm");
    expect(protectedChanges(content, protect("PersistentVolumeClaim/*"))).toEqual([]);
    expect(content.onlyTags).toBe(true);
  });
});

describe("auto_approve: what an import brings under Terraform", () => {
  const importing = (type: string, name: string) => ({
    address: `${type}.${name}`,
    mode: "managed",
    type,
    name,
    change: { actions: ["no-op"], before: { id: name }, after: { id: name }, importing: { id: name } },
  });
  const planOf = (changes: object[]) => {
    const s = summarizePlan({ format_version: "1.2", planned_values: { root_module: {} }, resource_changes: changes });
    if (!s.ok) throw new Error(s.error);
    return s.summary;
  };
  const rule = { when: ["no_destroy" as const], types: ["terraform_data"], max_changes: 1, source: "server config" };

  it("a plan that only imports roles is not auto-approved for terraform_data changes (control: one terraform_data import is)", () => {
    const roles = planOf([importing("aws_iam_role", "a"), importing("aws_iam_role", "b"), importing("aws_iam_role", "c")]);
    expect(roles.imports).toEqual(["aws_iam_role.a", "aws_iam_role.b", "aws_iam_role.c"]);
    const refused = autoApproval(planContent(roles, "terraform"), rule);
    expect(refused?.met).toBe(false);
    expect(refused?.why).toMatch(/3 changes|aws_iam_role/);
    const one = autoApproval(planContent(planOf([importing("terraform_data", "x")]), "terraform"), rule);
    expect(one).toMatchObject({ met: true });
  });

  it("a stored plan of an older Sluice, whose imports are counted but not listed, fails `types` closed", () => {
    const older = { ...planOf([importing("aws_iam_role", "a")]), imports: undefined };
    const verdict = autoApproval(planContent(older, "terraform"), { ...rule, max_changes: undefined });
    expect(verdict).toMatchObject({ met: false });
    expect(verdict?.why).toContain("plan again");
  });
});

describe("protect: a move out of its pattern", () => {
  const moved = {
    format_version: "1.2",
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address: "terraform_data.archive",
        previous_address: "terraform_data.db",
        mode: "managed",
        type: "terraform_data",
        name: "archive",
        change: { actions: ["no-op"], before: { input: "v1" }, after: { input: "v1" } },
      },
    ],
  };
  const rulesWith = (pattern: string) => ({ protect: protect(pattern), owners: [] });

  it("is allowed (nothing is destroyed) but said on the plan, since a later plan could destroy it unprotected (control: a move within the pattern says nothing)", () => {
    const s = summarizePlan(moved);
    if (!s.ok) throw new Error(s.error);
    const content = planContent(s.summary, "terraform");
    expect(protectedChanges(content, protect("terraform_data.db"))).toEqual([]);
    expect(planRuleNotes(rulesWith("terraform_data.db"), content).join("\n")).toContain(
      "moved out of protection: `terraform_data.db` → `terraform_data.archive`",
    );
    expect(planRuleNotes(rulesWith("terraform_data.*"), content).join("\n")).not.toContain("moved out of protection");
  });
  it("is never auto-approved: the move is the first of two steps past `protect`, and its note needs a person to read it (control: a move within the pattern is)", () => {
    // docs/plan-rules.md's example: `protect: ["module.vpc.*"]`, `auto_approve: {when: [empty, only_tags]}` or the
    // default `no_destroy`. `moved { from = module.vpc, to = module.net }` destroys nothing; the next
    // pull request removes `module.net`, unprotected, and needs only a review.
    const s = summarizePlan(moved);
    if (!s.ok) throw new Error(s.error);
    const content = planContent(s.summary, "terraform");
    const autoApprove = { when: ["no_destroy" as const], types: ["terraform_data"], max_changes: 10, source: "server config" };
    const out = approvalMode({ planRules: { content, rules: { ...rulesWith("terraform_data.db"), autoApprove } } });
    expect(out.kind).toBe("reviews");
    expect(out.kind === "reviews" && out.note).toContain("moves `terraform_data.db` out of protection");
    expect(planRuleNotes({ ...rulesWith("terraform_data.db"), autoApprove }, content).join("\n")).not.toContain("✅ auto-approved");
    const within = approvalMode({ planRules: { content, rules: { ...rulesWith("terraform_data.*"), autoApprove } } });
    expect(within.kind).toBe("auto");
  });
});

describe("auto_approve: actions a plan invokes (Terraform 1.14)", () => {
  // `resource "aws_instance" "web" { tags = {...}; lifecycle { action_trigger { events = [after_update],
  // actions = [action.aws_lambda_invoke.deploy] } } }`: the plan's only resource change is a relabel,
  // but its apply also runs the action, which can do anything its provider offers.
  const tagsUpdate = {
    address: "aws_instance.web",
    mode: "managed",
    type: "aws_instance",
    name: "web",
    change: {
      actions: ["update"],
      before: { ami: "ami-1", tags: { team: "a" }, tags_all: { team: "a" } },
      after: { ami: "ami-1", tags: { team: "b" }, tags_all: { team: "b" } },
    },
  };
  const invocation = (trigger: object) => ({
    address: "action.aws_lambda_invoke.deploy",
    type: "aws_lambda_invoke",
    name: "deploy",
    provider_name: "registry.terraform.io/hashicorp/aws",
    config_values: { function_name: "wipe-db", payload: "{}" },
    config_sensitive: {},
    config_unknown: {},
    ...trigger,
  });
  const afterUpdate = invocation({
    lifecycle_action_trigger: {
      triggering_resource_address: "aws_instance.web",
      action_trigger_event: "AfterUpdate",
      action_trigger_block_index: 0,
      actions_list_index: 0,
      on_failure: "fail",
    },
  });
  const planOf = (changes: object[], actions: object[]) => {
    const s = summarizePlan({
      format_version: "1.2",
      terraform_version: "1.14.0",
      planned_values: { root_module: {} },
      resource_changes: changes,
      ...(actions.length ? { action_invocations: actions } : {}),
    });
    if (!s.ok) throw new Error(s.error);
    return planContent(s.summary, "terraform");
  };

  it("a tags update that triggers an action is not `only_tags` (control: the same update alone is)", () => {
    const rule = { when: ["only_tags" as const], source: "server config" };
    expect(autoApproval(planOf([tagsUpdate], []), rule)).toMatchObject({ met: true });
    const verdict = autoApproval(planOf([tagsUpdate], [afterUpdate]), rule);
    expect(verdict).toMatchObject({ met: false });
  });

  it("an invoked action counts as a change and its type must be in `types` (control: without it, the same rule holds)", () => {
    const rule = { when: ["no_destroy" as const], types: ["aws_*"], max_changes: 1, source: "server config" };
    expect(autoApproval(planOf([tagsUpdate], []), rule)).toMatchObject({ met: true });
    expect(autoApproval(planOf([tagsUpdate], [afterUpdate]), rule)).toMatchObject({ met: false });
    expect(autoApproval(planOf([tagsUpdate], [afterUpdate]), { ...rule, max_changes: undefined })?.why).toContain(
      "action.aws_lambda_invoke",
    );
  });

  it("a plan that only invokes an action (`-invoke`) is not auto-approved for terraform_data changes", () => {
    const rule = { when: ["no_destroy" as const], types: ["terraform_data"], source: "server config" };
    const invoked = planOf([], [invocation({ invoke_action_trigger: {} })]);
    expect(invoked.empty).toBe(false);
    expect(autoApproval(invoked, rule)).toMatchObject({ met: false });
    expect(autoApproval(invoked, { ...rule, types: ["terraform_data", "action.aws_lambda_invoke"] })).toMatchObject({ met: true });
  });
});

describe("protect on Kubernetes: a namespace deleted with what it holds", () => {
  const ns = (name: string) => ["apiVersion: v1", "kind: Namespace", "metadata:", `  name: ${name}`, ""].join("\n");
  const pvc = [
    "apiVersion: v1",
    "kind: PersistentVolumeClaim",
    "metadata:",
    "  name: data",
    "  namespace: db",
    "spec:",
    "  accessModes: [ReadWriteOnce]",
    "  resources: {requests: {storage: 100Gi}}",
    "",
  ].join("\n");
  // The pull request drops the Namespace from the render and keeps the claim: kubectl (or helm)
  // deletes the namespace, and Kubernetes deletes everything in it, the protected claim (and the
  // claims a StatefulSet made, which no render holds) included. The plan shows one delete.
  const dropped = (namespace: string) => {
    const planned = planFromRenders({
      base: `${ns(namespace)}---\n${pvc}`,
      head: pvc,
      defaultNamespace: "db",
      ignore: [],
      tool: "kustomize",
      hashing: { key: "k" },
    });
    if (!planned.ok) throw new Error(planned.message);
    return planContent(planned.summary, "kustomize");
  };

  it.each(["PersistentVolumeClaim/db/*", "PersistentVolumeClaim/*", "*/db/data", "*"])(
    "deleting Namespace/db destroys what %s protects in it: refused",
    (pattern) => {
      const content = dropped("db");
      expect(content.destroys.map((d) => d.address)).toEqual(["Namespace/db"]);
      expect(protectedChanges(content, protect(pattern))).toMatchObject([{ address: "Namespace/db", action: "destroys", pattern }]);
    },
  );

  it.each(["PersistentVolumeClaim/db/*", "*/db/data", "ClusterRole/*", "Namespace/dbx"])(
    "control: deleting Namespace/other is not what %s protects",
    (pattern) => {
      expect(protectedChanges(dropped("other"), protect(pattern))).toEqual([]);
    },
  );
});

describe("auto_approve only_tags: Google's `tags` are network tags, not labels", () => {
  // On google_compute_instance (and its templates) `tags` are the network tags firewall rules
  // target: adding `allow-ssh-from-anywhere` opens the instance. Google's labels are `labels`.
  const instance = (before: object, after: object) => {
    const s = summarizePlan({
      format_version: "1.2",
      planned_values: { root_module: {} },
      resource_changes: [
        {
          address: "google_compute_instance.web",
          mode: "managed",
          type: "google_compute_instance",
          name: "web",
          change: {
            actions: ["update"],
            before: { name: "web", tags: ["web"], labels: { team: "a" }, ...before },
            after: { name: "web", tags: ["web"], labels: { team: "a" }, ...after },
          },
        },
      ],
    });
    if (!s.ok) throw new Error(s.error);
    return planContent(s.summary, "terraform");
  };
  const rule = { when: ["only_tags" as const], source: "server config" };

  it("a new network tag on a Google instance is not `only_tags` (control: a label change is)", () => {
    expect(autoApproval(instance({}, { tags: ["web", "allow-ssh-from-anywhere"] }), rule)).toMatchObject({ met: false });
    expect(autoApproval(instance({}, { labels: { team: "b" }, effective_labels: { team: "b" } }), rule)).toMatchObject({ met: true });
  });
});
