import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { fourEachApplied, inflatedDeletes } from "./inflated-plan-support.js";
import { closed, newRepo } from "./teardown-support.js";
import { type Repo, say, seedState } from "./trust-holes-support.js";

// A default branch whose code a merged, never-applied pull request emptied plans the project's
// teardown in its drift check. On the drift roads that plan is held as a pull request's teardown
// is: the project's `allow_destroy` and the `destroy` permission for `/apply` on the drift issue,
// and besides drift's own `allow_destroy` for a reconcile.

let h: Harness;
const WRITERS = [
  ["alice", "write"],
  ["bob", "write"],
] as const;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "allowed_overrides: [drift]",
      'allow_custom_workflows: ["acme/*"]',
      "drift:",
      // Never due by itself while the tests run: each check is asked for with `/drift`.
      '  schedule: "0 0 1 1 *"',
      "permissions:",
      '  - match: "acme/*"',
      "    destroy: [alice]",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** Three resources live, then the default branch's code emptied by a merge nobody applied; its drift checked. */
async function emptiedAndChecked(repo: Repo, state: (p: string) => string): Promise<{ issue: number; report: string }> {
  await seedState(statefulProject("web", state("web"), 3));
  await h.sim.pushDefaultBranch(repo, { "web/main.tf": statefulProject("web", state("web"), 0) });
  const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
  const report = await say(h, repo, host.number, "alice", "/drift", "**Drift check**");
  const issue = h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift") && i.state === "open");
  expect(issue, report).toBeDefined();
  return { issue: issue?.number ?? 0, report };
}

const ALL = ["terraform_data.web_0", "terraform_data.web_1", "terraform_data.web_2"];

describe("a teardown on the drift roads", { timeout: 300_000 }, () => {
  it("`/apply` on the drift issue is refused without the project's allow_destroy, saying why", async () => {
    const { repo, state } = await newRepo(h, "drift-teardown", WRITERS, (s) => ({ "web/main.tf": statefulProject("web", s("web"), 3) }));
    const { issue } = await emptiedAndChecked(repo, state);
    const shown = h.sim.comments(repo, issue).map((c) => c.body);
    expect(shown.join("\n")).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 3 resources this project's state holds");
    const refused = await say(h, repo, issue, "alice", "/apply", "⛔ refused");
    expect(refused).toContain("this plan deletes 3 of the 3 resources the project's state holds");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual(ALL);
  });

  it("control: with the project's allow_destroy, only who holds the destroy permission applies it", async () => {
    const { repo, state } = await newRepo(h, "drift-teardown-allowed", WRITERS, (s) => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - dir: web\n    allow_destroy: true\n",
      "web/main.tf": statefulProject("web", s("web"), 3),
    }));
    const { issue } = await emptiedAndChecked(repo, state);
    const bob = await say(h, repo, issue, "bob", "/apply", "⛔ refused");
    expect(bob).toContain("lets only `alice` destroy this project");
    expect(await stateResources(state("web"))).toEqual(ALL);
    const applied = await say(h, repo, issue, "alice", "/apply", "Applied the plan");
    expect(applied).toContain("Applied the plan");
    expect(await stateResources(state("web"))).toEqual([]);
  });

  it("a reconcile with drift's allow_destroy does not tear the project down without the project's own", async () => {
    const { repo, state } = await newRepo(h, "drift-teardown-reconcile", WRITERS, (s) => ({
      ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n  allow_destroy: true\n",
      "web/main.tf": statefulProject("web", s("web"), 3),
    }));
    const { report } = await emptiedAndChecked(repo, state);
    expect(report).toContain("not reconciled, ⛔ refused: this plan deletes 3 of the 3 resources the project's state holds");
    expect(await stateResources(state("web"))).toEqual(ALL);
  });

  it("a drift plan whose plan file claims ten made-up resources is measured against what the last apply read back: three of four deleted is a teardown; two of four is not", async () => {
    // A pull request's ordinary change applied first: the read-back finds four resources in each state.
    const { repo, state, pr, applied } = await fourEachApplied(h, "drift-teardown-inflated", WRITERS, async (repo, pr) => {
      await h.sim.approve(repo, pr, "alice");
      return say(h, repo, pr, "bob", "/apply");
    });
    expect(applied).toMatch(/✅ applied/);
    await closed(h, repo, pr.number);

    // Then a merge nobody applied: deletes, and a hook that inflates each plan file.
    await h.sim.pushDefaultBranch(repo, inflatedDeletes(state));
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    await say(h, repo, host.number, "alice", "/drift", "**Drift check**");
    const issueOf = (project: string) => h.sim.issues(repo).find((i) => i.title === `Drift: project ${project}` && i.state === "open");
    const shown = (project: string) => {
      const issue = issueOf(project);
      return [issue?.body ?? "", ...h.sim.comments(repo, issue?.number ?? 0).map((c) => c.body)].join("\n");
    };
    expect(shown("web")).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 4 resources this project's state holds");
    const refused = await say(h, repo, issueOf("web")?.number ?? 0, "alice", "/apply", "⛔ refused");
    expect(refused).toContain("this plan deletes 3 of the 4 resources the project's state holds");
    expect(await stateResources(state("web"))).toHaveLength(4);
    // The control: app's two of four, its plan file inflated the same way, are half: no teardown.
    expect(shown("app")).toContain("$ sh hook.sh");
    expect(shown("app")).not.toContain("DESTROY PLAN");
  });
});
