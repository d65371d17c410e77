import { existsSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { botComments, canary, completedCheck, nextReply } from "./support.js";

// What a run wrote is hostile input to everything after it. The PR's code runs at plan time
// here through a `run` step of a server workflow (`sh prepare.sh`, the script the PR changes):
// terraform itself starts no program at plan time without a provider download, and a workflow
// step that runs a script of the repository is what real setups do. Everything then happens as in
// production: real bwrap, real terraform, real git, the GitHub simulator.

let h: Harness;
/** Paths asked of a little HTTP server on the host: what reached the network from a run. */
const hits: string[] = [];
let probe: Server;
let probePort = 0;

beforeAll(async () => {
  probe = createServer((req, res) => {
    hits.push((req.url ?? "").split("?")[0] ?? "");
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  probePort = (probe.address() as AddressInfo).port;
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "workflows:",
      "  scripted:",
      "    plan:",
      "      steps:",
      "        - init",
      "        - run: [sh, prepare.sh]",
      "        - plan",
      "allowed_workflows: [scripted]",
      'network: { "acme/holds-net:fenced": none }',
      "limits: { memory: 256Mi }",
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await h?.stop();
  await new Promise((r) => probe?.close(r));
});

/**
 * The PR's script: turns its checkout into a git repository whose config, hooks and attributes
 * run `evil.sh` (which writes `marker` on the host: inside the sandbox that path does not exist),
 * and leaves a 1,000-level tree whose paths are about 9,000 bytes long.
 */
function plantingScript(marker: string): string {
  return [
    "set -e",
    "root=$(cd .. && pwd -P)",
    `printf '#!/bin/sh\\necho "ran outside the sandbox as $(id -u)" >> ${marker}\\n' > "$root/evil.sh"`,
    'chmod +x "$root/evil.sh"',
    "export HOME=/tmp",
    'rm -rf "$root/.git"',
    'git init -q "$root"',
    'cd "$root"',
    'git config core.fsmonitor "$root/evil.sh"',
    'git config core.hooksPath "$root/hooks"',
    "git config core.sparseCheckout true",
    'git config core.sshCommand "$root/evil.sh"',
    'git config filter.x.smudge "$root/evil.sh"',
    'git config filter.x.clean "$root/evil.sh"',
    'git config diff.x.textconv "$root/evil.sh"',
    'mkdir -p "$root/hooks"',
    'for h in post-checkout pre-commit post-index-change reference-transaction post-merge pre-auto-gc; do cp "$root/evil.sh" "$root/hooks/$h"; done',
    "printf '* filter=x diff=x\\n' > .gitattributes",
    // The index the planted repository's commands read (fsmonitor is asked about it).
    "git add app/main.tf 2>/dev/null || true",
    'c=""; j=0; while [ $j -lt 100 ]; do c="$c""dddddddd/"; j=$((j+1)); done',
    "mkdir -p deep && cd deep && i=0; while [ $i -lt 10 ]; do mkdir -p $c && cd -P $c; i=$((i+1)); done; echo deep > bottom.txt",
    "echo planted",
  ].join("\n");
}

const scriptedConfig = "version: 1\nprojects:\n  - name: app\n    dir: app\n    workflow: scripted\n  - name: other\n    dir: other\n";

describe("files a run wrote", () => {
  it("a planted .git (fsmonitor, hooks, attributes filters) never runs outside the sandbox, whatever later touches the PR; a deep tree reaches no other PR and goes with its PR", async () => {
    const marker = canary("git-escape");
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/holds-git", u, "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "holds-git",
      files: {
        ".sluice.yaml": scriptedConfig,
        "app/main.tf": tfProject("app"),
        "app/prepare.sh": "true\n",
        "other/main.tf": tfProject("other"),
      },
    });
    await h.sim.pushBranch(repo, { branch: "c", files: { "app/main.tf": tfProject("app", 2), "app/prepare.sh": plantingScript(marker) } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    const first = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    expect(first.conclusion).toBe("success");
    // The control: the script ran and planted its repository in the checkout.
    expect(botComments(h, repo, pr.number)[0]?.body).toContain("planted");

    // A second /plan of the same head.
    let before = botComments(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/plan" });
    expect(await nextReply(h, repo, pr.number, before)).toContain("Plan: 2 to add");
    expect(existsSync(marker), "the second /plan ran the planted repository's programs").toBe(false);

    // Another PR of the same repo, planned after the first one's worktree went idle.
    await h.sim.pushBranch(repo, { branch: "d", files: { "other/main.tf": tfProject("other", 3) } });
    const other = await h.sim.openPullRequest(repo, { head: "d", author: "bob" });
    const otherCheck = await completedCheck(h, repo, other.headSha, "sluice/plan");
    expect(otherCheck.conclusion).toBe("success");
    expect(botComments(h, repo, other.number)[0]?.body).toContain("Plan: 3 to add");
    expect(existsSync(marker), "the other PR's plan ran the planted repository's programs").toBe(false);

    // /apply of the first PR, then its close.
    before = botComments(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    expect(await nextReply(h, repo, pr.number, before)).toMatch(/applied/i);
    expect(existsSync(marker), "/apply ran the planted repository's programs").toBe(false);
    await h.sim.closePullRequest(repo, pr.number);
    const worktrees = join(h.app.dataDir, "worktrees", "acme__holds-git", String(pr.number));
    await h.sim.waitFor(() => !existsSync(worktrees), { message: "the closed PR's worktrees (with the deep tree) are still there" });
    await h.sim.waitFor(() => readdirSync(join(h.app.dataDir, "worktrees", ".trash")).length === 0, {
      message: "a discarded worktree was not removed",
    });

    // The other PR's worktree never held the deep tree.
    const otherDir = join(h.app.dataDir, "worktrees", "acme__holds-git", String(other.number));
    for (const name of readdirSync(otherDir)) expect(existsSync(join(otherDir, name, "deep"))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("network: none", () => {
  it("holds for the trusted project whatever the PR's config renames it to", async () => {
    const module = (name: string) => `module "probe" {\n  source = "http://127.0.0.1:${probePort}/probe-${name}"\n}\n`;
    const base = "version: 1\nprojects:\n  - name: fenced\n    dir: fenced\n  - name: open\n    dir: open\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "holds-net",
      files: { ".sluice.yaml": base, "fenced/main.tf": tfProject("fenced"), "open/main.tf": tfProject("open") },
    });
    await h.sim.pushBranch(repo, {
      branch: "c",
      files: {
        ".sluice.yaml": base.replace("name: fenced", "name: renamed"),
        "fenced/main.tf": `${tfProject("fenced")}\n${module("fenced")}`,
        "open/main.tf": `${tfProject("open")}\n${module("open")}`,
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "mallory" });
    await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    // The control: the project no rule fences reached the host (terraform init fetched its module).
    expect(hits).toContain("/probe-open");
    expect(body).toContain("`renamed`");
    expect(hits).not.toContain("/probe-fenced");
  });
});

describe("limits", () => {
  it("files in the sandbox's /tmp count in the memory limit: a run holding more there than the limit is stopped for it", async () => {
    const fill = "head -c 400M /dev/zero > /tmp/fill || echo write-stopped\nsleep 3\necho survived\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "holds-mem",
      files: {
        ".sluice.yaml": scriptedConfig,
        "app/main.tf": tfProject("app"),
        "app/prepare.sh": "true\n",
        "other/main.tf": tfProject("other"),
      },
    });
    await h.sim.pushBranch(repo, { branch: "c", files: { "app/main.tf": tfProject("app", 2), "app/prepare.sh": fill } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "mallory" });
    const check = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)[0]?.body ?? "";
    expect(body).toContain("the memory limit (256 MiB) was exceeded");
    expect(body).not.toContain("survived");
    expect(check.conclusion).toBe("failure");
  });
});
