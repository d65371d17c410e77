import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { changedFields } from "../../runners/k8s/changed-fields.js";
import { agentFacts, planRuleFacts } from "../../src/authorization/plan-rule-facts.js";
import type { K8sObject } from "../../runners/k8s/k8s-object.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { planContent, terraformType } from "../../src/gate/plan-content.js";
import { addressMatches, autoApproval, protectedChanges } from "../../src/gate/plan-rules.js";
import { planRuleNotes } from "../../src/gate/plan-rule-notes.js";
import type { AutoApproveRule, PlanContent, PlanRules } from "../../src/model/plan-content.js";
import type { Project } from "../../src/model/project.js";
import { projectView, renderSection } from "../../src/render/project-view.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import { isAgent } from "../../src/policy/is-agent.js";
import { fakePeople } from "../fakes/fake-people.js";
import { fakeUserId } from "../fakes/fake-vcs.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/terraform-plans/", import.meta.url));

/** A real `terraform show -json` plan's summary, as the runner stores it. */
function fixture(name: string): PlanSummary {
  const r = summarizePlan(readFileSync(`${FIXTURES}${name}.json`, "utf8"));
  if (!r.ok) throw new Error(r.error);
  return r.summary;
}
const content = (name: string) => planContent(fixture(name), "terraform");

describe("plan content from real plans", () => {
  it.each([
    // fixture, empty, destroys, replaces, types, only tags
    ["tf111_no_changes", true, [], [], [], false],
    [
      "tf111_changes",
      false,
      ["terraform_data.removed"],
      ["terraform_data.replaced", "terraform_data.replaced_cbd"],
      ["terraform_data"],
      false,
    ],
    ["action_reason", false, [], ["null_resource.example"], ["null_resource"], false],
    ["110_basic", false, [], [], ["null_resource"], false],
    ["derived_tags_only", false, [], [], ["aws_instance"], true],
    ["derived_tags_and_type", false, [], [], ["aws_instance"], false],
    // Updates with moves and imports are more than a relabelling.
    ["tf111_moved", false, [], [], ["terraform_data"], false],
  ] as const)("%s", (name, empty, destroys, replaces, types, onlyTags) => {
    const c = content(name);
    expect(c.empty).toBe(empty);
    expect(c.destroys.map((d) => d.address)).toEqual(destroys);
    expect(c.replaces.map((d) => d.address)).toEqual(replaces);
    expect(c.types).toEqual(types);
    expect(c.onlyTags).toBe(onlyTags);
  });

  it("counts by action, and names the attributes an update changes (names only)", () => {
    const c = content("tf111_changes");
    expect(c.counts).toMatchObject({ create: 2, update: 1, delete: 1, replace: 2, forget: 1, read: 1 });
    expect(c.outputs.map((o) => `${o.action} ${o.name}`)).toEqual(["create added", "delete dropped", "update version"]);
    expect(c.attributes?.["terraform_data.updated"]).toEqual(["input", "output"]);
    expect(content("derived_tags_and_type").attributes?.["aws_instance.bar"]).toEqual(["instance_type", "tags", "tags_all"]);
  });

  it("a plan stored before attribute names were recorded cannot be said to change only tags: fails closed, saying why", () => {
    const { changedAttributes: _, ...old } = fixture("derived_tags_only");
    const c = planContent(old, "terraform");
    expect(c.onlyTags).toEqual({ unknown: expect.stringContaining("plan again") });
    const a = autoApproval(c, { when: ["only_tags"], source: "server config" });
    expect(a).toEqual({ met: false, why: expect.stringContaining("does not record which attributes change") });
  });

  it.each([
    ["aws_db_instance.main", "aws_db_instance"],
    ["module.db.module.inner.aws_db_instance.main[0]", "aws_db_instance"],
    ['module.m["a.b"].aws_s3_bucket.x["k.v"]', "aws_s3_bucket"],
    ["data.aws_ami.ubuntu", "aws_ami"],
    ["terraform_data.a (deposed 1a2b3c4d)", "terraform_data"],
  ])("the type of %s is %s", (address, type) => {
    expect(terraformType(address)).toBe(type);
  });
});

describe("protect patterns", () => {
  it.each([
    ["aws_db_instance.*", "aws_db_instance.main", true],
    ["aws_db_instance.*", "module.data.aws_db_instance.main", true],
    ["aws_db_instance.*", 'module.data["eu"].aws_db_instance.main[0]', true],
    ["aws_db_instance.*", "aws_db_instance_automated_backups.main", false],
    ["module.vpc.*", "module.vpc.aws_subnet.a", true],
    ["module.vpc.*", "module.vpcx.aws_subnet.a", false],
    ["module.vpc.*", "module.outer.module.vpc.aws_subnet.a", false],
    ["aws_instance.web[0]", "aws_instance.web[0]", true],
    ["aws_instance.web[0]", "aws_instance.web0", false],
    ["Secret/*", "Secret/prod/db", true],
    ["*", "anything.at_all", true],
  ])("%s on %s: %s", (pattern, address, matches) => {
    expect(addressMatches(pattern, address)).toBe(matches);
  });

  it("finds the destroys and replaces a pattern matches, with the pattern, and nothing else", () => {
    const c = content("tf111_changes");
    expect(protectedChanges(c, [{ pattern: "terraform_data.replaced*", source: "server config" }])).toEqual([
      { address: "terraform_data.replaced", action: "replaces", pattern: "terraform_data.replaced*" },
      { address: "terraform_data.replaced_cbd", action: "replaces", pattern: "terraform_data.replaced*" },
    ]);
    expect(protectedChanges(c, [{ pattern: "terraform_data.removed", source: "s" }])[0]?.action).toBe("destroys");
    // Created and updated resources are not protected against: only what would be lost.
    expect(protectedChanges(c, [{ pattern: "terraform_data.updated", source: "s" }])).toEqual([]);
    expect(protectedChanges(c, [{ pattern: 'terraform_data.created["a"]', source: "s" }])).toEqual([]);
  });
});

describe("auto_approve", () => {
  const rule = (r: Partial<AutoApproveRule>) => ({ when: ["no_destroy" as const], source: "server config", ...r });
  it.each([
    ["an empty plan, when: [empty]", "tf111_no_changes", { when: ["empty"] }, "auto-approved: the plan changes nothing"],
    ["a tag-only change, when: [only_tags]", "derived_tags_only", { when: ["only_tags"] }, "auto-approved: only tags changed"],
    ["tags and more, when: [only_tags]", "derived_tags_and_type", { when: ["only_tags"] }, undefined],
    ["creates only, no_destroy", "110_basic", {}, "auto-approved: nothing is destroyed or replaced"],
    ["a replace, no_destroy", "action_reason", {}, undefined],
    ["too many changes", "110_basic", { max_changes: 2 }, undefined],
    [
      "within max_changes and types",
      "110_basic",
      { max_changes: 10, types: ["null_*"] },
      "auto-approved: nothing is destroyed or replaced (at most 10 changes, types `null_*`)",
    ],
    ["a type outside the list", "110_basic", { types: ["terraform_data"] }, undefined],
    ["either of two conditions", "derived_tags_only", { when: ["empty", "only_tags"] }, "auto-approved: only tags changed"],
  ] as const)("%s", (_label, name, r, why) => {
    const a = autoApproval(content(name), rule(r as Partial<AutoApproveRule>));
    if (why) expect(a).toEqual({ met: true, why });
    else expect(a?.met).toBe(false);
  });

  it("a plan that cannot be read is never auto-approved, and says why", () => {
    expect(autoApproval({ unreadable: "the Helm diff failed" }, rule({ when: ["empty"] }))).toEqual({
      met: false,
      why: "not auto-approved: the plan could not be read (the Helm diff failed)",
    });
  });

  it("no rule: nothing to say", () => {
    expect(autoApproval(content("tf111_no_changes") as PlanContent, undefined)).toBeUndefined();
  });
});

describe("Kubernetes objects", () => {
  const obj = (labels: Record<string, string>, replicas: number): K8sObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: "web",
    name: "api",
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "web", labels }, spec: { replicas } },
  });

  it("names metadata.labels for a label change, and spec for more", () => {
    const change = { key: "apps/Deployment/web/api", address: "Deployment/web/api", action: "update" as const, diff: "", hiddenChanges: 0 };
    const a = [obj({ app: "api" }, 1)];
    expect(changedFields([change], a, [obj({ app: "api", team: "x" }, 1)])).toEqual({ "Deployment/web/api": ["metadata.labels"] });
    expect(changedFields([change], a, [obj({ app: "api", team: "x" }, 2)])).toEqual({ "Deployment/web/api": ["metadata.labels", "spec"] });
  });

  it("only labels and annotations count as tags on Helm and Kustomize projects", () => {
    const summary = (attrs: string[]): PlanSummary => ({
      add: 0,
      change: 1,
      destroy: 0,
      replace: 0,
      move: 0,
      import: 0,
      forget: 0,
      resources: [{ address: "Deployment/web/api", action: "update" }],
      moves: [],
      outputs: [],
      hasChanges: true,
      sensitiveValues: [],
      changedAttributes: { "Deployment/web/api": attrs },
    });
    expect(planContent(summary(["metadata.annotations", "metadata.labels"]), "helm").onlyTags).toBe(true);
    expect(planContent(summary(["metadata.labels", "spec"]), "kustomize").onlyTags).toBe(false);
    // `labels` is a tag on Terraform resources, not a Kubernetes field name.
    expect(planContent(summary(["labels"]), "helm").onlyTags).toBe(false);
    expect(planContent(summary(["metadata.labels"]), "helm").types).toEqual(["Deployment"]);
  });
});

describe("agents", () => {
  it.each([
    ["renovate[bot]", ["renovate[bot]"], true],
    ["Renovate[bot]", ["renovate[bot]"], true],
    ["dependabot[bot]", ["*[bot]"], true],
    // `[bot]` is literal, not a character class: a login ending in b, o or t is not an App.
    ["bob", ["*[bot]"], false],
    ["robot", ["*[bot]"], false],
    ["ci-agent-7", ["ci-agent-*"], true],
    ["@ci-agent-7", ["ci-agent-*"], true],
    ["alice", [], false],
  ] as const)("%s with %j: %s", (login, agents, expected) => {
    expect(isAgent(login, agents)).toBe(expected);
  });
});

describe("what the plan comment says of the rules", () => {
  const rules = (r: Partial<PlanRules> = {}): PlanRules => ({ protect: [], owners: [], ...r });

  it("protected changes, with the override to ask for", () => {
    const notes = planRuleNotes(rules({ protect: [{ pattern: "terraform_data.re*", source: "server config" }] }), content("tf111_changes"));
    expect(notes).toEqual([
      "🛡️ protected: destroys `terraform_data.removed`, replaces `terraform_data.replaced`, replaces `terraform_data.replaced_cbd`; needs an owner's override (`/apply --override-protect -- REASON`)",
    ]);
  });

  it("the auto-approval and the rule that met it, or why not", () => {
    const auto = rules({ autoApprove: { when: ["only_tags"], source: "server config" } });
    expect(planRuleNotes(auto, content("derived_tags_only"))).toEqual(["✅ auto-approved: only tags changed"]);
    expect(planRuleNotes(auto, content("derived_tags_and_type"))).toEqual(["not auto-approved: none of `only_tags` holds"]);
    expect(planRuleNotes(rules({ autoApprove: { when: ["empty"], source: "s" } }), content("tf111_no_changes"))).toEqual([
      "✅ auto-approved: the plan changes nothing",
    ]);
  });

  it("an agent's proposal is said first, and no auto-approval is offered for it", () => {
    const auto = rules({ autoApprove: { when: ["only_tags"], source: "server config" } });
    const notes = planRuleNotes(auto, content("derived_tags_only"), "renovate[bot]");
    expect(notes).toEqual([
      "🤖 proposed by the agent @renovate[bot]: an agent may plan, never apply or approve; applying this needs a human's approval of this commit",
    ]);
  });

  it("a destroy plan's own rule", () => {
    const destroy = {
      approvals: 2,
      teams: ["acme/sre"],
      window: { allow: "0 9 * * 1-5", duration: 8 * 3600e3, timezone: "Europe/Berlin" },
      source: "s",
    };
    const c = { ...content("tf111_changes"), destroyPlan: true };
    expect(planRuleNotes(rules({ destroy }), c)).toEqual([
      "🧨 destroy rule: needs 2 approvals from `acme/sre`, inside its window `0 9 * * 1-5` (Europe/Berlin)",
    ]);
  });

  it("is rendered inert under the plan's heading (no mention, addresses as code)", () => {
    const summary = fixture("tf111_changes");
    const project = { name: "app", dir: "app", workspace: "default", runner: "terraform" } as unknown as Project;
    const view = projectView(
      {
        project,
        status: "planned",
        summary,
        output: "",
        rules: planRuleNotes(
          rules({ protect: [{ pattern: "terraform_data.removed", source: "s" }] }),
          content("tf111_changes"),
          "evil[bot]",
        ),
      },
      "plan",
      (t) => t,
    );
    expect(view.rules).toContain("@\u200bevil\\[bot\\]");
    expect(view.rules).toContain("destroys `terraform_data.removed`");
    expect(renderSection(view, 10)).toContain("🛡️ protected");
  });
});

describe("gathering the plan rules' facts", () => {
  const vcs = (members: Record<string, string[]>) => ({
    teamMember: async (org: string, slug: string, user: string) => (members[`${org}/${slug}`] ?? []).includes(user),
  });
  const destroyPlan = { ...fixture("tf111_changes"), destroyPlan: true };
  const base = {
    repo: "acme/infra",
    project: "db",
    runner: "terraform",
    agents: ["*[bot]"],
    rules: { protect: [], owners: ["root", "acme/dba"] },
  };
  /** Whether `actor` (account `actorId`) overrides `protect` as an owner where owners are `root`, `people` resolving the login. */
  const rootOwns = async (people: ReturnType<typeof fakePeople>, actor: string, actorId: number) =>
    (
      await planRuleFacts(
        vcs({}),
        {
          ...base,
          rules: { protect: [], owners: ["root"] },
          summary: fixture("tf111_changes"),
          actor,
          actorId,
          override: { reason: "r" },
        },
        people,
      )
    ).overrideProtect?.owner;

  it("owners are the named users and members of the named teams, never an agent", async () => {
    const people = fakePeople();
    const owner = async (actor: string, rulesOwners = ["root", "acme/dba", "dba[bot]"]) =>
      (
        await planRuleFacts(
          vcs({ "acme/dba": ["dora", "dba[bot]"] }),
          {
            ...base,
            rules: { protect: [], owners: rulesOwners },
            summary: fixture("tf111_changes"),
            actor,
            actorId: fakeUserId(actor),
            override: { reason: "r" },
          },
          people,
        )
      ).overrideProtect?.owner;
    expect(await owner("root")).toBe(true);
    expect(await owner("dora")).toBe(true);
    expect(await owner("bob")).toBe(false);
    expect(await owner("dba[bot]")).toBe(false);
  });

  it("attack: a named owner renames and another account takes the login: it is no owner; the owner under the new login is (control)", async () => {
    const people = fakePeople();
    const owner = (actor: string, actorId: number) => rootOwns(people, actor, actorId);
    const rootAccount = fakeUserId("root");
    expect(await owner("root", rootAccount)).toBe(true); // resolved and pinned here
    // root renames to root-2; a new account registers "root" (GitHub now answers it for the login).
    const squatter = rootAccount + 1;
    const renamed = fakePeople(new Map([["root", squatter]]));
    renamed.store = people.store;
    const again = (actor: string, actorId: number) => rootOwns(renamed, actor, actorId);
    expect(await again("root", squatter)).toBe(false);
    expect(renamed.logged.join("\n")).toContain(`the login root is now account ${squatter}, not account ${rootAccount}`);
    expect(await again("root-2", rootAccount)).toBe(true);
    // Named by id, the setting trusts that account whatever its login (the new holder, here).
    const byId = await planRuleFacts(
      vcs({}),
      {
        ...base,
        rules: { protect: [], owners: [`root#${squatter}`] },
        summary: fixture("tf111_changes"),
        actor: "root",
        actorId: squatter,
        override: { reason: "r" },
      },
      renamed,
    );
    expect(byId.overrideProtect?.owner).toBe(true);
  });

  it("a destroy rule counts only its teams' approvers, and its window is the project's whatever its repository", async () => {
    const facts = await planRuleFacts(
      vcs({ "acme/sre": ["carol"] }),
      {
        ...base,
        rules: {
          protect: [],
          owners: [],
          destroy: { approvals: 1, teams: ["acme/sre"], window: { deny: "* * * * *", duration: 3600e3, timezone: "Etc/UTC" }, source: "s" },
        },
        summary: destroyPlan,
        actor: "bob",
        approvers: ["carol", "dan"],
      },
      fakePeople(),
    );
    expect(facts.destroy?.approvers).toEqual(["carol"]);
    expect(facts.destroy?.window).toMatchObject({ open: false, why: expect.stringContaining("a deny window (`* * * * *`") });
  });

  it("a plan without a summary is unreadable (rules fail closed)", async () => {
    const facts = await planRuleFacts(vcs({}), { ...base, summary: undefined, actor: "bob" }, fakePeople());
    expect(facts.content).toEqual({ unreadable: "the saved plan has no summary to read" });
  });

  it("agents: who asked, and the first agent among those who proposed the change; nothing when the server names none", () => {
    expect(agentFacts({ agents: [] }, "renovate[bot]", ["renovate[bot]"])).toBeUndefined();
    expect(agentFacts({ agents: ["*[bot]"] }, "bob", ["renovate[bot]", "bob"])).toEqual({ actor: false, proposedBy: "renovate[bot]" });
    expect(agentFacts({ agents: ["ci-agent"] }, "ci-agent", ["alice", undefined])).toEqual({ actor: true });
  });
});
