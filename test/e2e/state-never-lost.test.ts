import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject, tfProject } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";
import { signIn } from "../support/console-sign-in.js";
import { freePort } from "../support/start-app.js";

/**
 * Issue #44 with real terraform in the sandbox: a local state the sandbox would lose is refused at
 * plan; a state terraform could not save is kept, its project held until the state is pushed.
 */
let h: Harness;
let outside: string;
/** What the test's http backend holds, and whether it refuses writes (as a bucket answering 500 would). */
let http: HttpStateBackend;

beforeAll(async () => {
  // The server's default: a state inside the checkout is not applied (the harness allows it elsewhere).
  const port = await freePort();
  h = await startHarness({
    serverConfig: "apply_requirements: []\nallow_checkout_state: false\n",
    port,
    // The console, to read the locks page.
    env: (sim) => ({
      GITHUB_CLIENT_ID: sim.oauthClientId,
      GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
      SLUICE_SESSION_SECRET: "a-session-key-for-the-state-test-0123456789",
      SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    }),
  });
  // A dir the server does not let runs keep (not under SLUICE_SANDBOX_PATHS): inside the sandbox it is gone.
  outside = await mkdtemp(join(tmpdir(), "sluice-not-kept-"));
  http = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await http?.close();
  await h?.stop();
  await rm(outside, { recursive: true, force: true });
});

let n = 0;
async function prWith(files: Record<string, string>, change: Record<string, string>) {
  n++;
  const name = `state-${n}`;
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  await h.sim.pushBranch(repo, { branch: "change", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

describe("state is never lost", () => {
  it("a local state the sandbox does not keep is refused at plan, with the setting that fixes it; one it keeps is applied, and its file holds it", async () => {
    const lost = join(outside, "net.tfstate");
    const { repo, pr } = await prWith(
      { "net/main.tf": statefulProject("vpc", lost, 1) },
      { "net/main.tf": statefulProject("vpc", lost, 2) },
    );
    const plan = h.sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan" && c.status === "completed");
    expect(plan?.conclusion).toBe("failure");
    const planned = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(planned).toContain(lost);
    expect(planned).toContain("sandbox_paths");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).not.toContain("✅");
    expect(await readdir(outside)).toEqual([]);

    // Control: the same project with its state where the server lets runs keep it; the plan says where it lives.
    const kept = join(h.stateDir, "kept-net.tfstate");
    const ok = await prWith({ "net/main.tf": statefulProject("vpc", kept, 1) }, { "net/main.tf": statefulProject("vpc", kept, 2) });
    expect(
      bot(h, ok.repo, ok.pr.number)
        .map((c) => c.body)
        .join("\n"),
    ).toContain(`state: local file ${"`"}${kept}${"`"}`);
    await say(h, ok.repo, ok.pr.number, "alice", "/apply");
    expect((await completed(h, ok.repo, ok.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    expect(await stateResources(kept)).toHaveLength(2);
  }, 300_000);

  it("a local state inside the checkout is refused at apply, said at plan; a kept one in the same pull request is applied", async () => {
    const kept = join(h.stateDir, "kept-app.tfstate");
    const { repo, pr } = await prWith(
      { "lost/main.tf": tfProject("lost", 1), "app/main.tf": statefulProject("app", kept, 1) },
      { "lost/main.tf": tfProject("lost", 2), "app/main.tf": statefulProject("app", kept, 2) },
    );
    const planned = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(planned).toContain("state is a local file inside the checkout (`lost/terraform.tfstate`)");
    expect(planned).toContain("an apply is refused");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(reply).toContain("`allow_checkout_state: true`");
    // Control: the project whose state the server keeps was applied by the same command.
    expect(await stateResources(kept)).toHaveLength(2);
  }, 300_000);

  it("a state the backend refused (errored.tfstate) is kept and its project held; /state push-errored pushes it and releases the hold", async () => {
    const httpProject = `${httpBackendBlock(http.url)}${tfProject("web", 1)}`;
    http.state = undefined;
    http.refuseWrites = true;
    const { repo, pr } = await prWith({ "web/main.tf": httpProject }, { "web/main.tf": httpProject + tfProject("extra", 1) });
    expect(
      bot(h, repo, pr.number)
        .map((c) => c.body)
        .join("\n"),
    ).toContain("state: `http` backend");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(http.posts).toBeGreaterThan(0);
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(reply).toContain("errored.tfstate");
    expect(reply).toContain("/state push-errored -p web");
    // Control: the backend itself still holds nothing (the write was refused).
    expect(http.state).toBeUndefined();

    // Held: nothing plans over a state the backend does not have, whoever asks.
    const plan = await say(h, repo, pr.number, "alice", "/plan", "is held");
    expect(plan).toContain("is held");
    // The console shows the lock as held, and why.
    const cookie = await signIn(h.app.url, "alice");
    const locksPage = async () => (await fetch(`${h.app.url}/locks`, { headers: { cookie } })).text();
    expect(await locksPage()).toContain("held: unsaved state");
    // The push goes through the gate: a reader may not push.
    h.sim.setPermission(repo, "rita", "read");
    const refused = await say(h, repo, pr.number, "rita", "/state push-errored -p web", "push a kept state");
    expect(refused).toContain("push a kept state");
    expect(http.state).toBeUndefined();

    http.refuseWrites = false;
    const pushed = await say(h, repo, pr.number, "alice", "/state push-errored -p web", "state push-errored");
    expect(pushed).not.toContain("❌");
    // What terraform made and could not save is all in the backend now.
    const state = JSON.parse(http.state ?? "{}") as { resources?: { name: string }[] };
    expect((state.resources ?? []).map((r) => r.name).sort()).toEqual(["extra_0", "web_0"]);
    // Control: released, the lock is an ordinary one again.
    const page = await locksPage();
    expect(page).toContain("web");
    expect(page).not.toContain("held: unsaved state");
    // Released: the project plans again, and the plan finds nothing left to do.
    await say(h, repo, pr.number, "alice", "/plan");
    const replanned = bot(h, repo, pr.number).at(-1)?.body ?? "";
    expect(replanned).toContain("no changes");
    const again = await say(h, repo, pr.number, "alice", "/state push-errored -p web", "not held");
    expect(again).toContain("not held");
  }, 300_000);
});
