import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { newRepo, planComment, plannedPr } from "./teardown-support.js";
import { bot, completed, nextSecond, seedState } from "./trust-holes-support.js";

// Autodiscovery (no repo config) makes a project of every Terraform dir that no other one uses as
// a module: a pull request can take a project away without deleting its files or touching a
// config, and a module's files are no project's. With real terraform plans.

let h: Harness;
// Only bob can write: the last test gives carol her role when it needs an approver.
const BOB = [["bob", "write"]] as const;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [apply_on]\n" });
});
afterAll(async () => {
  await h?.stop();
});

describe("base projects an autodiscovering pull request takes away", { timeout: 300_000 }, () => {
  it("a project the pull request makes another's module is no longer planned on its own, and the comment says so", async () => {
    const { repo, state } = await newRepo(h, "gone-as-module", BOB, (s) => ({
      "app/main.tf": statefulProject("app", s("app"), 2),
      "web/main.tf": statefulProject("web", s("web"), 1),
    }));
    // root now uses app as its module: app's own state, and its two resources, are left behind.
    const pr = await plannedPr(h, repo, {
      "root/main.tf": statefulProject("root", state("root"), 0, 'module "app" {\n  source = "../app"\n}\n'),
    });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("**`root`**");
    expect(plan).not.toContain("**`app`**");
    expect(plan).toContain("⚠️ This pull request makes the project `app` (dir `app`, workspace `default`) a part of another project");
    // The control: web, untouched, is named nowhere.
    expect(plan).not.toContain("`web`");
  });

  it("control: a module whose file the pull request deletes is no project it takes away; a project's dir deleted still is", async () => {
    const { repo } = await newRepo(h, "gone-module-file", BOB, (s) => ({
      "app/main.tf": statefulProject("app", s("app"), 1, 'module "net" {\n  source = "../modules/net"\n}\n'),
      "modules/net/main.tf": tfProject("net", 1),
      "modules/net/old.tf": tfProject("old", 1),
      "web/main.tf": statefulProject("web", s("web"), 1),
    }));
    const pr = await plannedPr(h, repo, { "modules/net/old.tf": null, "web/main.tf": null });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("**`app`**");
    expect(plan).toContain("⚠️ This pull request deletes the project `web` (dir `web`, workspace `default`)");
    expect(plan).toContain("why: `modules/net/old.tf`, in module `modules/net`");
    expect(plan).not.toMatch(/projects? `modules\/net`/);

    // A change to the module's user alone: the module was one where the branch began too.
    const user = await newRepo(h, "gone-module-user", BOB, (s) => ({
      "app/main.tf": statefulProject("app", s("app"), 1, 'module "net" {\n  source = "../modules/net"\n}\n'),
      "modules/net/main.tf": tfProject("net", 1),
    }));
    const changed = await plannedPr(h, user.repo, {
      "app/main.tf": statefulProject("app", user.state("app"), 2, 'module "net" {\n  source = "../modules/net"\n}\n'),
    });
    const userPlan = planComment(h, user.repo, changed.number);
    expect(userPlan).toContain("**`app`**");
    expect(userPlan).not.toContain("⚠️");
  });

  it("a project the base listed after the branch, on a pull request that changes the repo config for something else, is none it takes away; one it unlists still is", async () => {
    const listed = (dirs: string[], extra = "") =>
      `version: 1\n${extra}projects:\n${dirs.map((d) => `  - { name: ${d}, dir: ${d} }\n`).join("")}`;
    const { repo, state } = await newRepo(h, "gone-listed-since", BOB, (s) => ({
      ".sluice.yaml": listed(["app", "db"]),
      "app/main.tf": statefulProject("app", s("app"), 1),
      "db/main.tf": statefulProject("db", s("db"), 1),
      "web/main.tf": statefulProject("web", s("web"), 1),
    }));
    // The branch: db taken out, app changed. Then the base lists web, whose code was there all along.
    await h.sim.pushBranch(repo, {
      branch: "change",
      files: { ".sluice.yaml": listed(["app"]), "app/main.tf": statefulProject("app", state("app"), 2) },
    });
    await h.sim.pushBranch(repo, { branch: "main", files: { ".sluice.yaml": listed(["app", "db", "web"]) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("**`app`**");
    expect(plan).toContain("⚠️ This pull request's repo config no longer makes the project `db` (dir `db`, workspace `default`) a project");
    expect(plan).not.toContain("`web`");
  });

  it("apply on merge says it again: the project using it applied, the absorbed one's resources still in its state", async () => {
    const { repo, state } = await newRepo(h, "gone-as-module-merge", BOB, (s) => ({
      ".sluice.yaml": "version: 1\napply_on: merge\n",
      "app/main.tf": statefulProject("app", s("app"), 2),
    }));
    await seedState(statefulProject("app", state("app"), 2));
    const pr = await plannedPr(h, repo, {
      "root/main.tf": statefulProject("root", state("root"), 0, 'module "app" {\n  source = "../app"\n}\n'),
    });
    expect(planComment(h, repo, pr.number)).toContain("⚠️ This pull request makes the project `app`");
    h.sim.setPermission(repo, "carol", "write");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    await completed(h, repo, pr.headSha, "sluice/apply");
    await h.sim.waitFor(
      () => bot(h, repo, pr.number).some((c) => c.body.includes("a part of another project: nothing of it was applied")),
      {
        message: "the merge said nothing of the absorbed project",
      },
    );
    expect(await stateResources(state("root"))).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
  });
});
