import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { fourEachApplied, inflatedDeletes, OUTPUT } from "./inflated-plan-support.js";
import { closed, newRepo, TEAM } from "./teardown-support.js";
import { bot, completed, nextSecond, type Repo, say, seedState } from "./trust-holes-support.js";

// What a teardown is measured against is capped by the live record's trusted count (what the
// project's last apply read back through the backend), not only the prior state the plan's own
// run wrote; and it adds up across pull requests, by the project's repo, dir and workspace.
// Real terraform, real local backends.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["apply_requirements: [approved]", 'allow_custom_workflows: ["acme/*"]', "destroy:", "  approvals: 1", ""].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** The line of `project` in the last bot comment that shows a plan of it. */
function planOf(repo: Repo, pr: number, project: string): string {
  const head = `**\`${project}\`**`;
  const body = bot(h, repo, pr)
    .filter((c) => c.body.includes(head))
    .at(-1)?.body;
  return body?.split("\n").find((line) => line.startsWith(head)) ?? "";
}

async function approvedApply(repo: Repo, pr: number, project?: string, expect?: string) {
  await nextSecond();
  await h.sim.approve(repo, pr, "carol");
  return say(h, repo, pr, "bob", project ? `/apply -p ${project}` : "/apply", expect);
}

/** A pull request of `files` on a branch from main, planned. */
async function pullRequest(repo: Repo, branch: string, files: Record<string, string>) {
  await h.sim.pushBranch(repo, { branch, from: "main", files });
  const pr = await h.sim.openPullRequest(repo, { head: branch, author: "bob" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return pr;
}

describe("a teardown measured against the live record's trusted count", { timeout: 300_000 }, () => {
  it("a plan file whose prior state claims ten made-up resources does not dilute its deletes: three of four is a teardown; two of four is not", async () => {
    // An ordinary change first, applied: the read-back finds four resources in each state.
    const { repo, state, pr, applied } = await fourEachApplied(h, "trusted-prior", TEAM, (repo, pr) => approvedApply(repo, pr));
    expect(applied).toMatch(/✅ applied/);

    // Then the deletes, each plan file inflated by the hook the pull request rewrote.
    const head = await h.sim.pushBranch(repo, { branch: "change", files: inflatedDeletes(state, OUTPUT) });
    await completed(h, repo, head, "sluice/plan");
    const web = planOf(repo, pr.number, "web");
    expect(web).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 4 resources this project's state holds");
    const refused = await approvedApply(repo, pr.number, "web", "⛔ refused");
    expect(refused).toContain("this plan deletes 3 of the 4 resources the project's state holds");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toHaveLength(4);

    // The control: app's two of four are half, an ordinary change, applied with the made-up ten
    // (terraform writes the plan file's prior state): the hook did run.
    expect(planOf(repo, pr.number, "app")).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1", "terraform_data.fake"]);
  });

  it("deletes add up across pull requests: the third one-resource delete of a project that held three is a teardown; of one that held five it is not", async () => {
    const { repo, state } = await newRepo(h, "trusted-peak", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 4),
      "app/main.tf": statefulProject("app", s("app"), 6),
    }));
    await seedState(statefulProject("web", state("web"), 4));
    await seedState(statefulProject("app", state("app"), 6));
    // One pull request at a time, each deleting one resource of each project, applied and closed.
    const step = (i: number) =>
      pullRequest(repo, `step-${i}`, {
        "web/main.tf": statefulProject("web", state("web"), 4 - i),
        "app/main.tf": statefulProject("app", state("app"), 6 - i),
      });
    for (const i of [1, 2]) {
      const pr = await step(i);
      expect(bot(h, repo, pr.number)[0]?.body ?? "").not.toContain("DESTROY PLAN");
      expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
      await closed(h, repo, pr.number);
    }
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1"]);

    // One of the two web has left is half of it, but two of the three its state held after the first apply.
    const pr = await step(3);
    expect(planOf(repo, pr.number, "web")).toContain(
      "🧨 **DESTROY PLAN** (with this project's earlier applies, whichever pull request made them, deletes 2 of the 3 resources its state held at most since its last teardown, 1 already deleted",
    );
    const refused = await approvedApply(repo, pr.number, "web", "⛔ refused");
    expect(refused).toContain("this plan and the project's earlier applies delete 2 of the 3 resources");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1"]);
    // The control: app keeps three of the five it held: an ordinary change.
    expect(planOf(repo, pr.number, "app")).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toHaveLength(3);
  });

  it("what a removed block forgets is no delete: the state left at half its peak that way, one delete of the two left is no teardown", async () => {
    const { repo, state } = await newRepo(h, "trusted-forget", TEAM, (s) => ({ "web/main.tf": statefulProject("web", s("web"), 4) }));
    await seedState(statefulProject("web", state("web"), 4));
    const forget = (names: string[]) =>
      names.map((r) => `removed {\n  from = terraform_data.${r}\n  lifecycle {\n    destroy = false\n  }\n}\n`).join("\n");
    const push = async (files: Record<string, string>) => {
      const head = await h.sim.pushBranch(repo, { branch: "change", files });
      await completed(h, repo, head, "sluice/plan");
    };
    await h.sim.pushBranch(repo, { branch: "change", files: { "web/main.tf": statefulProject("web", state("web"), 4, OUTPUT) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
    // Two of the four forgotten (they stay up, out of the state), applied.
    await push({ "web/main.tf": statefulProject("web", state("web"), 2, `${OUTPUT}${forget(["web_2", "web_3"])}`) });
    expect(planOf(repo, pr.number, "web")).not.toContain("DESTROY PLAN");
    expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1"]);

    // One of the two left is half of it: an ordinary change.
    await push({ "web/main.tf": statefulProject("web", state("web"), 1, OUTPUT) });
    expect(planOf(repo, pr.number, "web")).not.toContain("DESTROY PLAN");
    expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0"]);
  });

  it("deletes made up for by creates below the peak take nothing away: after one delete and a replace, one delete of the three left of four is no teardown", async () => {
    const { repo, state } = await newRepo(h, "trusted-churn", TEAM, (s) => ({ "web/main.tf": statefulProject("web", s("web"), 4) }));
    await seedState(statefulProject("web", state("web"), 4));
    const web = (n: number, extra = "") => ({ "web/main.tf": statefulProject("web", state("web"), n, `${OUTPUT}${extra}`) });
    const x = 'resource "terraform_data" "x" {\n  input = "x"\n}\n';
    // Four held (an ordinary change applied), then web_3 deleted, then web_2 replaced by x: three left.
    for (const [i, files] of [web(4), web(3), web(2, x)].entries()) {
      const pr = await pullRequest(repo, `churn-${i}`, files);
      expect(planOf(repo, pr.number, "web")).not.toContain("DESTROY PLAN");
      expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
      await closed(h, repo, pr.number);
    }
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1", "terraform_data.x"]);
    // Two deletes since the peak of four, but the state fell by one: one more is two of four, half.
    const pr = await pullRequest(repo, "churn-3", web(1, x));
    expect(planOf(repo, pr.number, "web")).not.toContain("DESTROY PLAN");
    expect(await approvedApply(repo, pr.number)).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.x"]);
  });
});
