import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { newRepo, planComment, plannedPr, TEAM } from "./teardown-support.js";
import { bot, completed, nextSecond, say, seedState } from "./trust-holes-support.js";

// A pull request that deletes or empties a project's code plans its teardown without `-destroy`:
// with real terraform plans, such a plan is held as a `-destroy` plan is (`allow_destroy`, the
// `destroy:` rule), whatever it creates besides and however it takes the resources away.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "allowed_overrides: [auto_approve, apply_on]",
      "destroy:",
      "  approvals: 1",
      "  window:",
      // Always inside a deny window: a destroy plan is refused whenever it is applied.
      '    deny: "* * * * *"',
      "    duration: 1h",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

describe("a teardown planned without -destroy", { timeout: 300_000 }, () => {
  it("emptied code that leaves one new resource created is a destroy plan: refused without allow_destroy; deleting one of four is not", async () => {
    const { repo, state } = await newRepo(h, "teardown-empty", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 3),
      "app/main.tf": statefulProject("app", s("app"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 3));
    await seedState(statefulProject("app", state("app"), 4));
    const pr = await plannedPr(h, repo, {
      // Every resource deleted, one throwaway created: no `-destroy` in sight.
      "web/main.tf": statefulProject("web", state("web"), 0, 'resource "terraform_data" "keep" {}\n'),
      "app/main.tf": statefulProject("app", state("app"), 3),
    });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 3 resources this project's state holds");
    const check = h.sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan");
    expect(check?.output.title ?? "").toContain("DESTROY PLAN");
    // The control: app's one delete of four is an ordinary change.
    expect(plan).not.toContain("deletes 1 of the 4");

    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const refused = await say(h, repo, pr.number, "bob", "/apply -p web", "⛔ refused");
    expect(refused).toContain("this plan deletes 3 of the 3 resources the project's state holds");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1", "terraform_data.web_2"]);

    const applied = await say(h, repo, pr.number, "bob", "/apply -p app");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1", "terraform_data.app_2"]);
  });

  it("all but one moved to a throwaway address or removed is held by the destroy rule where allow_destroy lets it through", async () => {
    const { repo, state } = await newRepo(h, "teardown-moved", TEAM, (s) => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - dir: web\n    allow_destroy: true\n",
      "web/main.tf": statefulProject("web", s("web"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 4));
    const away = [
      "moved {\n  from = terraform_data.web_1\n  to   = terraform_data.throwaway\n}\n",
      "removed {\n  from = terraform_data.web_2\n  lifecycle {\n    destroy = true\n  }\n}\n",
    ].join("\n");
    // web_0 stays; web_1 is moved away and deleted there, web_2 removed, web_3 dropped.
    const pr = await plannedPr(h, repo, { "web/main.tf": statefulProject("web", state("web"), 1, away) });
    expect(planComment(h, repo, pr.number)).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 4 resources");
    expect(planComment(h, repo, pr.number)).toContain("🧨 destroy rule: needs 1 approval");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const refused = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(refused).toContain("outside the destroy window");
    expect(await stateResources(state("web"))).toHaveLength(4);
  });

  it("throwaways imported in the same plan do not dilute its deletes: every resource deleted beside seven imports is a teardown; one of four is not", async () => {
    const { repo, state } = await newRepo(h, "teardown-imports", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 3),
      "app/main.tf": statefulProject("app", s("app"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 3));
    await seedState(statefulProject("app", state("app"), 4));
    // A `terraform_data` imports any id: seven objects nobody had, written into the plan's prior
    // state by terraform itself, beside the three real ones the plan deletes.
    const junk = [
      'locals {\n  junk = toset(["a", "b", "c", "d", "e", "f", "g"])\n}\n',
      "import {\n  for_each = local.junk\n  to       = terraform_data.junk[each.key]\n  id       = each.key\n}\n",
      'resource "terraform_data" "junk" {\n  for_each = local.junk\n}\n',
    ].join("\n");
    const pr = await plannedPr(h, repo, {
      "web/main.tf": statefulProject("web", state("web"), 0, junk),
      // The control: the same imports beside an ordinary delete of one of four.
      "app/main.tf": statefulProject("app", state("app"), 3, junk),
    });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("🧨 **DESTROY PLAN** (deletes 3 of the 3 resources this project's state holds");
    expect(plan).not.toMatch(/deletes 1 of the/);
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const refused = await say(h, repo, pr.number, "bob", "/apply -p web", "⛔ refused");
    expect(refused).toContain("this plan deletes 3 of the 3 resources the project's state holds");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1", "terraform_data.web_2"]);
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toContain("terraform_data.junk");
    expect(await stateResources(state("app"))).not.toContain("terraform_data.app_3");
  });

  it("a teardown split by -target, each part applied, is held once the pull request's deletes add up to most of the project; two of four deleted in two steps is not", async () => {
    const { repo, state } = await newRepo(h, "teardown-target", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 3),
      "app/main.tf": statefulProject("app", s("app"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 3));
    await seedState(statefulProject("app", state("app"), 4));
    // web emptied; app loses two of its four. Each is then planned one resource at a time.
    const pr = await plannedPr(h, repo, {
      "web/main.tf": statefulProject("web", state("web"), 0),
      "app/main.tf": statefulProject("app", state("app"), 2),
    });
    const step = async (web: string, app: string) => {
      const plans = [
        await say(h, repo, pr.number, "bob", `/plan -p web -- -target=terraform_data.${web}`),
        await say(h, repo, pr.number, "bob", `/plan -p app -- -target=terraform_data.${app}`),
      ];
      await nextSecond();
      await h.sim.approve(repo, pr.number, "carol");
      return plans;
    };
    // One of three, one of four: ordinary changes, applied.
    const first = await step("web_0", "app_3");
    expect(first.join("\n")).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_1", "terraform_data.web_2"]);

    // One of the two web has left is half of it, but two of the three it held before this pull request.
    const [web, app] = await step("web_1", "app_2");
    expect(web).toContain(
      "🧨 **DESTROY PLAN** (with this pull request's earlier applies, deletes 2 of the 3 resources this project's state held before them, 1 already deleted",
    );
    const refused = await say(h, repo, pr.number, "bob", "/apply -p web", "⛔ refused");
    expect(refused).toContain("this plan and this pull request's earlier applies delete 2 of the 3 resources");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_1", "terraform_data.web_2"]);
    // The control: app's second delete makes two of four, half: an ordinary change.
    expect(app).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
  });

  it("throwaways the pull request created in an earlier apply do not dilute its later deletes; two of four real ones deleted beside them is no teardown", async () => {
    const { repo, state } = await newRepo(h, "teardown-padded", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 4),
      "app/main.tf": statefulProject("app", s("app"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 4));
    await seedState(statefulProject("app", state("app"), 4));
    // Four throwaways beside the real resources: creates alone, an ordinary change.
    const junk = 'resource "terraform_data" "junk" {\n  count = 4\n}\n';
    const pr = await plannedPr(h, repo, {
      "web/main.tf": statefulProject("web", state("web"), 1, junk),
      "app/main.tf": statefulProject("app", state("app"), 2, junk),
    });
    const step = async (args: string) => {
      const plans = [
        await say(h, repo, pr.number, "bob", `/plan -p web${args}`),
        await say(h, repo, pr.number, "bob", `/plan -p app${args}`),
      ];
      await nextSecond();
      await h.sim.approve(repo, pr.number, "carol");
      return plans;
    };
    // The throwaways first, applied: the state holds eight, four of them real.
    expect((await step(" -- -target=terraform_data.junk")).join("\n")).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toContain("terraform_data.junk");

    // Three of the eight web's state holds now, but three of the four it held before this pull request.
    const [web, app] = await step("");
    expect(web).toContain(
      "🧨 **DESTROY PLAN** (with this pull request's earlier applies, deletes 3 of the 4 resources this project's state held before them, 0 already deleted",
    );
    const refused = await say(h, repo, pr.number, "bob", "/apply -p web", "⛔ refused");
    expect(refused).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual([
      "terraform_data.junk",
      "terraform_data.web_0",
      "terraform_data.web_1",
      "terraform_data.web_2",
      "terraform_data.web_3",
    ]);
    // The control: app's two of its four real resources are half: an ordinary change.
    expect(app).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1", "terraform_data.junk"]);
  });

  it("what a failed apply deleted before it stopped adds up: the second of three after it is a teardown; two of four is not", async () => {
    const { repo, state } = await newRepo(h, "teardown-failed", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 3),
      "app/main.tf": statefulProject("app", s("app"), 4),
    }));
    await seedState(statefulProject("web", state("web"), 3));
    await seedState(statefulProject("app", state("app"), 4));
    // A create whose provisioner fails: terraform deletes what it can, then the apply fails.
    const boom = 'resource "terraform_data" "boom" {\n  provisioner "local-exec" {\n    command = "exit 1"\n  }\n}\n';
    const pr = await plannedPr(h, repo, {
      "web/main.tf": statefulProject("web", state("web"), 0, boom),
      "app/main.tf": statefulProject("app", state("app"), 2, boom),
    });
    const step = async (web: string, app: string) => {
      const plans = [
        await say(h, repo, pr.number, "bob", `/plan -p web -- ${web}`),
        await say(h, repo, pr.number, "bob", `/plan -p app -- ${app}`),
      ];
      await nextSecond();
      await h.sim.approve(repo, pr.number, "carol");
      return plans;
    };
    // One of three, one of four, and the failing create: both applies fail, the deletes done.
    const first = await step(
      "-target=terraform_data.web_2 -target=terraform_data.boom",
      "-target=terraform_data.app_3 -target=terraform_data.boom",
    );
    expect(first.join("\n")).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toContain("local-exec");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.boom", "terraform_data.web_0", "terraform_data.web_1"]);

    // One of the two web has left beside boom, but two of the three it held before this pull request.
    const [web, app] = await step("-target=terraform_data.web_1", "-target=terraform_data.app_2");
    expect(web).toContain(
      "🧨 **DESTROY PLAN** (with this pull request's earlier applies, deletes 2 of the 3 resources this project's state held before them, 1 already deleted",
    );
    expect(await say(h, repo, pr.number, "bob", "/apply -p web", "⛔ refused")).toContain("allow_destroy");
    expect(await stateResources(state("web"))).toEqual(["terraform_data.boom", "terraform_data.web_0", "terraform_data.web_1"]);
    // The control: app's second delete makes two of four, half: an ordinary change.
    expect(app).not.toContain("DESTROY PLAN");
    expect(await say(h, repo, pr.number, "bob", "/apply -p app")).toMatch(/✅ applied/);
    expect(await stateResources(state("app"))).toEqual(["terraform_data.app_0", "terraform_data.app_1", "terraform_data.boom"]);
  });

  it("a pull request that deletes a project's whole dir plans nothing of it, and says so: its resources stay up, unmanaged (docs/plan-rules.md#destroy)", async () => {
    const { repo, state } = await newRepo(h, "teardown-dir", TEAM, (s) => ({
      "web/main.tf": statefulProject("web", s("web"), 2),
      "app/main.tf": statefulProject("app", s("app"), 0),
    }));
    await seedState(statefulProject("web", state("web"), 2));
    const pr = await plannedPr(h, repo, { "web/main.tf": null, "app/main.tf": statefulProject("app", state("app"), 1) });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("**`app`**");
    expect(plan).not.toContain("**`web`**");
    expect(plan).toContain(
      "⚠️ This pull request deletes the project `web` (dir `web`, workspace `default`): nothing of it is planned or applied, and after the merge its resources stay up, unmanaged by Sluice",
    );
    // The control: app, changed and kept, is no project it deletes.
    expect(plan).not.toContain("the project `app`");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1"]);
  });

  it("a pull request that takes a project out of .sluice.yaml, its code kept, plans nothing of it, and says so; renaming one at its dir does not", async () => {
    const listed = (names: [string, string][]) =>
      `version: 1\nprojects:\n${names.map(([name, dir]) => `  - { name: ${name}, dir: ${dir} }\n`).join("")}`;
    const { repo, state } = await newRepo(h, "teardown-unlisted", TEAM, (s) => ({
      ".sluice.yaml": listed([
        ["web", "web"],
        ["app", "app"],
      ]),
      "web/main.tf": statefulProject("web", s("web"), 2),
      "app/main.tf": statefulProject("app", s("app"), 0),
    }));
    await seedState(statefulProject("web", state("web"), 2));
    // app renamed to api at its dir (the same trusted project), web taken out.
    const pr = await plannedPr(h, repo, {
      ".sluice.yaml": listed([["api", "app"]]),
      "app/main.tf": statefulProject("app", state("app"), 1),
    });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("**`api`**");
    expect(plan).not.toContain("**`web`**");
    expect(plan).toContain(
      "⚠️ This pull request's repo config no longer makes the project `web` (dir `web`, workspace `default`) a project, though its code stays: nothing of it is planned or applied",
    );
    // The control: app, renamed at its dir, is no project it takes away.
    expect(plan).not.toContain("the project `app`");
  });

  it("apply on merge of a pull request that only deletes a project's dir is no silent success: the merge says its resources stay up", async () => {
    const { repo, state } = await newRepo(h, "teardown-dir-merge", TEAM, (s) => ({
      ".sluice.yaml": "version: 1\napply_on: merge\n",
      "web/main.tf": statefulProject("web", s("web"), 2),
    }));
    await seedState(statefulProject("web", state("web"), 2));
    const pr = await plannedPr(h, repo, { "web/main.tf": null });
    expect(planComment(h, repo, pr.number)).toContain("⚠️ This pull request deletes the project `web`");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("was applied at merge")), {
      message: "the merge said nothing of the deleted project",
    });
    const said = bot(h, repo, pr.number).find((c) => c.body.includes("was applied at merge"))?.body ?? "";
    expect(said).toContain(
      "⚠️ This pull request deleted the project `web` (dir `web`, workspace `default`): nothing of it was applied at merge",
    );
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0", "terraform_data.web_1"]);
  });
});
