import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject, tfProject } from "../support/harness.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * Issue #44 with real terraform in the sandbox: an apply is reported as applied only once its
 * state is read back through the backend; a state terraform could not save is kept.
 */
let h: Harness;
let outside: string;
let backend: Server;
let backendUrl: string;
/** What the test's http backend holds, and whether it refuses writes (as a bucket answering 500 would). */
const http = { state: undefined as string | undefined, refuseWrites: false, posts: 0 };

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  // A dir the server does not let runs keep (not under SLUICE_SANDBOX_PATHS): inside the sandbox it is gone.
  outside = await mkdtemp(join(tmpdir(), "sluice-not-kept-"));
  backend = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.method === "GET") {
        if (http.state === undefined) res.writeHead(404).end();
        else res.writeHead(200, { "content-type": "application/json" }).end(http.state);
        return;
      }
      if (req.method === "POST") {
        http.posts++;
        if (http.refuseWrites) return void res.writeHead(500).end("bucket unavailable");
        http.state = body;
        return void res.writeHead(200).end();
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/state`;
}, 180_000);
afterAll(async () => {
  await new Promise((r) => backend?.close(r));
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
  it("a local state the sandbox does not keep: the apply is not reported as applied; one it keeps is, and its file holds it", async () => {
    const lost = join(outside, "net.tfstate");
    const { repo, pr } = await prWith(
      { "net/main.tf": statefulProject("vpc", lost, 1) },
      { "net/main.tf": statefulProject("vpc", lost, 2) },
    );
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("state read back through the backend");
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(await readdir(outside)).toEqual([]);

    // Control: the same project with its state where the server lets runs keep it.
    const kept = join(h.stateDir, "kept-net.tfstate");
    const ok = await prWith({ "net/main.tf": statefulProject("vpc", kept, 1) }, { "net/main.tf": statefulProject("vpc", kept, 2) });
    const applied = await say(h, ok.repo, ok.pr.number, "alice", "/apply");
    expect((await completed(h, ok.repo, ok.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    expect(applied).not.toContain("state read back through the backend is not");
    expect(await stateResources(kept)).toHaveLength(2);
  }, 300_000);

  it("a state the backend refused (errored.tfstate) is kept by Sluice, and the reply says where", async () => {
    const httpProject = `terraform {\n  backend "http" {\n    address = "${backendUrl}"\n  }\n}\n\n${tfProject("web", 1)}`;
    http.state = undefined;
    http.refuseWrites = true;
    const { repo, pr } = await prWith({ "web/main.tf": httpProject }, { "web/main.tf": httpProject + tfProject("extra", 1) });
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(http.posts).toBeGreaterThan(0);
    expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    expect(reply).toContain("errored.tfstate");
    const where = /kept it on its server at `([^`]+\.tfstate)`/.exec(reply)?.[1];
    expect(where).toBeDefined();
    const kept = JSON.parse(await readFile(where as string, "utf8")) as { resources: { name: string }[] };
    // What terraform made and could not save is all there.
    expect(kept.resources.map((r) => r.name).sort()).toEqual(["extra_0", "web_0"]);
    // Control: the backend itself still holds nothing (the write was refused).
    expect(http.state).toBeUndefined();
  }, 300_000);
});
