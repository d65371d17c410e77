import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// The Apply button of a `sluice/plan` check applies the plans that check shows: a click never
// applies a plan made since (another `/plan`, with other arguments and other changes) nor a
// project the check does not show.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];
type Check = ReturnType<Harness["sim"]["checkRuns"]>[number];

let h: Harness;
let stateDir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  stateDir = await mkdtemp(join(h.stateDir, "sluice-shown-"));
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const FINISHED = /·\s*(✅|❌|⛔|⚠️)|Nothing to apply|Not applied|already in progress/;

async function checks(repo: Repo, sha: string, count: number): Promise<Check[]> {
  const done = () => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/plan" && c.status === "completed");
  await h.sim.waitFor(() => done().length >= count, { message: `no ${count} completed sluice/plan`, timeoutMs: 90_000 });
  return done();
}

async function reply(repo: Repo, pr: number, act: () => Promise<unknown>): Promise<string> {
  const before = bot(repo, pr).length;
  await act();
  await h.sim.waitFor(() => bot(repo, pr).length > before && FINISHED.test(bot(repo, pr)[before]?.body ?? ""), {
    message: "no finished reply",
    timeoutMs: 90_000,
  });
  return bot(repo, pr)[before]?.body ?? "";
}

/** `net` may grow by `-var extra=N`; a PR grows `net` and `app` by two each, autoplanned. */
async function twoProjectPr() {
  n++;
  const [net, app] = [join(stateDir, `net-${n}.tfstate`), join(stateDir, `app-${n}.tfstate`)];
  const extra = 'variable "extra" {\n  default = 0\n}\n\nresource "terraform_data" "more" {\n  count = var.extra\n}\n';
  const name = `shown-${n}`;
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { "net/main.tf": statefulProject("net", net, 0, extra), "app/main.tf": statefulProject("app", app, 0) },
  });
  await h.sim.pushBranch(repo, {
    branch: "grow",
    files: { "net/main.tf": statefulProject("net", net, 2, extra), "app/main.tf": statefulProject("app", app, 2) },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow both" });
  const [autoplan] = (await checks(repo, pr.headSha, 1)) as [Check];
  return { repo, pr, net, app, autoplan };
}

describe("the Apply button applies the plans of the check it was on", () => {
  it("a click on a check whose plan was made again since (other arguments, other changes) leaves that plan; control: the newer check's click applies it", async () => {
    const { repo, pr, net, app, autoplan } = await twoProjectPr();
    expect(autoplan.actions.map((a) => a.identifier)).toEqual(["apply"]);
    // `net` planned again, now with three more resources: this check shows them, the first does not.
    await reply(repo, pr.number, () => h.sim.comment(repo, pr.number, { user: "alice", body: "/plan -p net -- -var extra=3" }));
    const newer = (await checks(repo, pr.headSha, 2))[1] as Check;
    expect(newer.output.summary).toMatch(/\+5/);
    // Bob reads the autoplan's check (+2 in `net`), approves the pull request and clicks the check's button.
    await h.sim.approve(repo, pr.number, "bob");
    const clicked = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, autoplan.id, "apply", "bob"));
    expect(await stateResources(net)).toEqual([]);
    expect(clicked).toMatch(/\*\*`net`\*\*.*⛔ refused: this plan is not the one the clicked `sluice\/plan` check shows/);
    expect(await stateResources(app)).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
    // Control: the check that shows the newer plan applies it.
    const applied = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, newer.id, "apply", "bob"));
    expect(applied).toMatch(/applied/i);
    expect(await stateResources(net)).toEqual(["terraform_data.more", "terraform_data.net_0", "terraform_data.net_1"]);
  }, 300_000);

  it("a click on the check of `/plan -p net` applies `net` only; control: `/apply` applies the rest", async () => {
    const { repo, pr, net, app } = await twoProjectPr();
    await reply(repo, pr.number, () => h.sim.comment(repo, pr.number, { user: "alice", body: "/plan -p net" }));
    const netOnly = (await checks(repo, pr.headSha, 2))[1] as Check;
    await h.sim.approve(repo, pr.number, "bob");
    const clicked = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, netOnly.id, "apply", "bob"));
    expect(await stateResources(net)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect(await stateResources(app)).toEqual([]);
    expect(clicked).toMatch(/\*\*`app`\*\*.*⛔ refused: this plan is not the one the clicked `sluice\/plan` check shows/);
    await reply(repo, pr.number, () => h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" }));
    expect(await stateResources(app)).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
  }, 300_000);
});
