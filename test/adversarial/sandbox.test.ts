import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, tfProject } from "../support/harness.js";
import { botComments, completedCheck, nextReply, processesWith, type Repo } from "./support.js";

// A pull request's code runs in the sandbox: it sees its own checkout and nothing of Sluice.
// Hostile PRs read, at plan time (file(), fileset()) and at apply time (a local-exec provisioner),
// everything SECURITY.md used to say they could: the private key file, the SQLite store, another
// PR's worktree, /proc/1/environ and Sluice's own environ, the server config. None of it may
// appear in a comment, a check, a log line or a job log. And runs that fork or allocate without
// end are killed for the limit they hit, while the app keeps serving.

const CONFIG_MARKER = "config-marker-7f3a9c1e";
const OTHER_MARKER = "other-pr-marker-51d0b2aa";
/** base64 of the first bytes of every SQLite file ("SQLite format 3"). */
const SQLITE_B64 = "U1FMaXRlIGZvcm1hdCAz";

let h: Harness;
let keyDir: string;
let keyPath: string;
let configPath: string;

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), "sluice-key-"));
  keyPath = join(keyDir, "app-key.pem");
  // The app reads its key from PRIVATE_KEY_PATH (PRIVATE_KEY empty), the way operators mount it.
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      'allow_custom_workflows: ["acme/sbx-*"]',
      "allowed_overrides: [workflow]",
      // fileset("/", "**") never ends in a sandbox either (/proc/1/root leads back to /): the timeout stops it.
      "step_timeout: 20s",
      "limits: { memory: 256Mi, processes: 64, file_size: 16Mi }",
      'network: { "acme/sbx-net:offline": none }',
      `# ${CONFIG_MARKER}`,
      "",
    ].join("\n"),
    env: { PRIVATE_KEY: "", PRIVATE_KEY_PATH: keyPath },
    beforeStart: async (sim) => writeFile(keyPath, sim.privateKeyPem, { mode: 0o600 }),
  });
  configPath = join(dirname(h.app.dataDir), `server-config-${h.app.port}.yaml`);
});

afterAll(async () => {
  await h?.stop();
  await rm(keyDir, { recursive: true, force: true });
});

/** The app's pid: the process whose environment holds this harness's webhook secret. */
function appPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(`WEBHOOK_SECRET=${h.secret}`)) return Number(entry);
    } catch {
      // Not ours, or gone.
    }
  }
  throw new Error("the app's process was not found");
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Everything Sluice posted or logged: comments, check runs, its log lines, the job logs. */
async function everythingSaid(repo: Repo, pr: number): Promise<string> {
  const jobLogs = await Promise.all((await filesUnder(join(h.app.dataDir, "logs"))).map((f) => readFile(f, "utf8")));
  return [
    ...h.sim.comments(repo, pr).map((c) => c.body),
    ...h.sim.checkRuns(repo).map((c) => JSON.stringify(c)),
    h.app.output(),
    ...jobLogs,
  ].join("\n");
}

/** What must never come out: the key's lines, the webhook secret, the store, the config, another PR's file. */
function secretsIn(text: string): string[] {
  const found: string[] = [];
  for (const line of h.sim.privateKeyPem.split("\n").slice(1, -2)) if (line.length > 20 && text.includes(line)) found.push("private key");
  if (text.includes(h.secret)) found.push("webhook secret");
  if (text.includes(SQLITE_B64) || text.includes("SQLite format 3")) found.push("sqlite store");
  if (text.includes(CONFIG_MARKER)) found.push("server config");
  if (text.includes(OTHER_MARKER)) found.push("other PR's file");
  return [...new Set(found)];
}

/** One project's part of a comment: from its heading to the next project's. */
function section(body: string, project: string): string {
  const start = body.indexOf(`**\`${project}\`**`);
  if (start < 0) return "";
  const end = body.indexOf("\n**`", start + 1);
  return body.slice(start, end < 0 ? undefined : end);
}

/** A PR in another repo whose worktree holds a marker file; returns that file's host path. */
async function otherPrFile(): Promise<string> {
  const repo = await h.sim.createRepo({ owner: "acme", name: "sbx-other", files: { "net/main.tf": tfProject("net") } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2), "net/notes.txt": OTHER_MARKER } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  const file = join(h.app.dataDir, "worktrees", "acme__sbx-other", String(pr.number), pr.headSha, "net", "notes.txt");
  // The control: the file is there on the host, with the marker.
  expect(await readFile(file, "utf8")).toBe(OTHER_MARKER);
  return file;
}

describe("a hostile plan", () => {
  it("reads nothing of Sluice: every read fails or finds the sandbox's own, and nothing leaks", async () => {
    const other = await otherPrFile();
    const reads: Record<string, string> = {
      key: `file("${keyPath}")`,
      db: `filebase64("${join(h.app.dataDir, "sluice.db")}")`,
      other: `file("${other}")`,
      init: `replace(file("/proc/1/environ"), "\\u0000", "\\n")`,
      self: `file("/proc/${appPid()}/environ")`,
      config: `file("${configPath}")`,
      tmp: `fileset("/tmp", "**")`,
      root: `fileset("/", "**")`,
    };
    const head = Object.fromEntries(
      Object.entries(reads).map(([dir, expr]) => [`${dir}/main.tf`, `${tfProject(dir)}\noutput "read" {\n  value = ${expr}\n}\n`]),
    );
    const base = Object.fromEntries(Object.keys(reads).map((dir) => [`${dir}/main.tf`, tfProject(dir)]));
    const repo = await h.sim.createRepo({ owner: "acme", name: "sbx-reads", files: base });
    await h.sim.pushBranch(repo, { branch: "c", files: head });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "mallory" });
    const check = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");

    // Reads outside the sandbox fail, each with terraform's own clear message.
    for (const dir of ["key", "db", "other", "self", "config"]) {
      expect(body).toMatch(new RegExp(`\\*\\*\`${dir}\`\\*\\*[^\\n]*❌ plan failed at plan`));
    }
    expect(body).toContain("no file exists at");
    // /proc/1 is the sandbox's own init: the allowlisted environment, with the sandbox's HOME.
    expect(body).toMatch(/\*\*`init`\*\*[^\n]*`\+1 ~0 -0`/);
    expect(body).toContain("HOME=/tmp");
    // /tmp holds this run's checkout and plan dir, the operator's sandbox path, nothing else of the data dir.
    const listing = section(body, "tmp");
    expect(listing).toMatch(/`\+1 ~0 -0`/);
    expect(listing).toContain("tmp/main.tf");
    for (const name of ["sluice.db", "notes.txt", "app-key.pem", "server-config-", "worktrees/acme__sbx-other"])
      expect(listing).not.toContain(name);
    // The whole file system never ends (/proc/1/root is / again): stopped with the reason.
    expect(body).toMatch(/\*\*`root`\*\*[^\n]*❌ plan failed at plan: terraform plan (timed out after 20 s|was stopped: the memory limit)/);
    expect(check.conclusion).toBe("failure");
    expect(secretsIn(await everythingSaid(repo, pr.number))).toEqual([]);
  });

  it("a local-exec provisioner at apply time reads nothing either: the file it writes holds none of it", async () => {
    const other = join(h.app.dataDir, "worktrees", "acme__sbx-other");
    const command = [
      `cat ${keyPath} ${join(h.app.dataDir, "sluice.db")} ${configPath} /proc/${appPid()}/environ`,
      `ls -laR ${other}`,
      "tr '\\\\000' '\\\\n' < /proc/1/environ",
      `ls -la / ${h.app.dataDir}`,
    ]
      .map((c) => `${c} >> leak.txt 2>&1`)
      .join("; ");
    const prov = `resource "terraform_data" "leak" {\n  provisioner "local-exec" {\n    command = "${command.replace(/"/g, '\\"')}; echo provisioner-done >> leak.txt"\n  }\n}\n`;
    h.sim.setPermission("acme/sbx-apply", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "sbx-apply", files: { "prov/main.tf": tfProject("prov") } });
    await h.sim.pushBranch(repo, { branch: "c", files: { "prov/main.tf": `${tfProject("prov")}\n${prov}` } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const before = botComments(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    const reply = await nextReply(h, repo, pr.number, before);
    expect(reply).toContain("applied");

    const leak = await readFile(
      join(h.app.dataDir, "worktrees", "acme__sbx-apply", String(pr.number), pr.headSha, "prov", "leak.txt"),
      "utf8",
    );
    // The control: the provisioner ran, and what it could see was the sandbox's own.
    expect(leak).toContain("provisioner-done");
    expect(leak).toContain("HOME=/tmp");
    expect(leak).toMatch(/No such file or directory/);
    expect(secretsIn(leak)).toEqual([]);
    expect(leak).not.toContain("notes.txt");
    expect(secretsIn(await everythingSaid(repo, pr.number))).toEqual([]);
  });
});

describe("local state", () => {
  it("the plan comment warns when a local backend keeps its state inside the checkout, and only then", async () => {
    const outside = join(h.stateDir, "kept.tfstate");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "sbx-state",
      files: { "lost/main.tf": tfProject("lost"), "kept/main.tf": statefulProject("kept", outside) },
    });
    await h.sim.pushBranch(repo, {
      branch: "c",
      files: { "lost/main.tf": tfProject("lost", 2), "kept/main.tf": statefulProject("kept", outside, 2) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    const check = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)[0]?.body ?? "";
    expect(section(body, "lost")).toMatch(
      /^[^\n]*`\+2 ~0 -0` — ⚠️ state is a local file inside the checkout \(`lost\/terraform.tfstate`\): Sluice removes the checkout/,
    );
    expect(section(body, "kept")).toMatch(/^[^\n]*`\+2 ~0 -0`\n/);
    expect(body.match(/⚠️ state is a local file/g)).toHaveLength(1);
    // The check run carries it too.
    expect(check.output.summary).toContain("⚠️ state is a local file inside the checkout");
  });
});

describe("network", () => {
  it("is on by default and gone for a project the server config says `network: none` for", async () => {
    const probe = `my $s = IO::Socket::INET->new("${h.sim.host}"); print $s ? "net-reached\\n" : "net-unreachable\\n"`;
    const config = [
      "version: 1",
      "projects:",
      "  - { name: offline, dir: offline, workflow: probe }",
      "  - { name: online, dir: online, workflow: probe }",
      "workflows:",
      "  probe:",
      "    plan:",
      `      steps: [{ run: ["perl", "-MIO::Socket::INET", "-e", ${JSON.stringify(probe)}] }, init, plan]`,
      "",
    ].join("\n");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "sbx-net",
      files: { ".sluice.yaml": config, "offline/main.tf": tfProject("offline"), "online/main.tf": tfProject("online") },
    });
    await h.sim.pushBranch(repo, {
      branch: "c",
      files: { "offline/main.tf": tfProject("offline", 2), "online/main.tf": tfProject("online", 2) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)[0]?.body ?? "";
    expect(section(body, "online")).toContain("net-reached");
    expect(section(body, "offline")).toContain("net-unreachable");
    expect(section(body, "offline")).toMatch(/`\+2 ~0 -0`/);
  });
});

describe("limits", () => {
  const workflows = [
    "version: 1",
    "projects:",
    "  - { name: bomb, dir: bomb, workflow: bomb }",
    "  - { name: hog, dir: hog, workflow: hog }",
    "  - { name: ok, dir: ok }",
    "workflows:",
    "  bomb:",
    "    plan:",
    // Forks without end; every child lingers (sleep 4242 is the marker to look for afterwards).
    '      steps: [{ run: ["sh", "-c", "while :; do sleep 4242 & done"] }]',
    "  hog:",
    "    plan:",
    // Allocates without end, a MiB at a time.
    `      steps: [{ run: ["perl", "-e", "my $x = 'x' x (1 << 20); my $y = ''; while (1) { $y .= $x }"] }]`,
    "",
  ].join("\n");

  it("a run step that forks or allocates without end is killed and reported with its limit; the app keeps serving", async () => {
    const base = {
      ".sluice.yaml": workflows,
      "bomb/main.tf": tfProject("bomb"),
      "hog/main.tf": tfProject("hog"),
      "ok/main.tf": tfProject("ok"),
    };
    h.sim.setPermission("acme/sbx-limits", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "sbx-limits", files: base });
    await h.sim.pushBranch(repo, { branch: "c", files: { "bomb/main.tf": tfProject("bomb", 2), "hog/main.tf": tfProject("hog", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    const check = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)[0]?.body ?? "";
    expect(body).toMatch(
      /\*\*`bomb`\*\*[^\n]*❌ plan failed at run sh: sh step was stopped: the processes limit \(64 processes and threads\) was exceeded/,
    );
    expect(body).toMatch(/\*\*`hog`\*\*[^\n]*❌ plan failed at run perl: perl step was stopped: the memory limit \(256 MiB\) was exceeded/);
    expect(check.conclusion).toBe("failure");
    // Nothing of the bomb survives its sandbox.
    expect(processesWith("sleep 4242")).toEqual([]);

    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
    const before = botComments(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/plan -p ok" });
    const next = await nextReply(h, repo, pr.number, before);
    expect(next).toMatch(/\*\*`ok`\*\*[^\n]*`\+1 ~0 -0`/);
  });
});
