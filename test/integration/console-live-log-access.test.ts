import { AnsiUp } from "ansi_up";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import type { Simulator } from "../simulator/github-simulator.js";
import { type GitHubConsole, startGitHubConsole } from "../support/github-console.js";
import { signIn } from "../support/console-sign-in.js";
import { testDir } from "../support/temp-dir.js";

/**
 * An open live log (a job's event stream) is for as long as its viewer may read the job's
 * repository, not only for as long as the session is open. The console runs in-process over the
 * real SQLite store, its GitHub sign-in against the GitHub simulator, whose answer on what a user
 * may read is what changes.
 */
// Made while the file is collected: removed after its last test (a hook's own would stay behind).
const dataDir = testDir("sluice-live-log-");
let app: GitHubConsole;
let sim: Simulator;
let store: Store;
let base: string;

beforeAll(async () => {
  // GitHub asked on every check, checked every 50 ms: the test waits for the rule, not for a cache.
  app = await startGitHubConsole(dataDir, ["infra", "other"], { accessTtlMs: 0, eventPollMs: 10, eventRecheckMs: 50 });
  ({ sim, store, base } = app);
});

afterAll(async () => {
  await app?.stop();
});

/** A job that stays running, with one line of output. */
async function runningJob(repo: string): Promise<number> {
  const id = await store.enqueueInternal(
    { installationId: 1, repo: { owner: "acme", name: repo }, cloneUrl: `http://git.example/acme/${repo}.git`, pr: 1 },
    { kind: "plan", trigger: "autoplan", actor: "alice" },
  );
  await store.appendJobLog({ jobId: id, repo: `acme/${repo}`, pr: 1, kind: "plan", project: "net", text: "planning\n" }, 1_000_000);
  return id;
}

/** Reads the stream until it ends (or `withinMs` passes: then "still open"). */
async function readStream(response: Response, withinMs: number, whenOpen: () => void): Promise<string> {
  const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let text = "";
  let told = false;
  let cut = false;
  const deadline = setTimeout(() => {
    cut = true;
    void reader.cancel();
  }, withinMs);
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += new TextDecoder().decode(r.value);
      if (!told && text.includes("planning")) {
        told = true;
        whenOpen();
      }
    }
  } catch {
    // Cancelled mid-read.
  } finally {
    clearTimeout(deadline);
  }
  return cut ? `${text}still open` : text;
}

describe("a console live log", () => {
  it("stops once its viewer may no longer read the repository, and the reconnect is refused", async () => {
    sim.setPermission("acme/infra", "bob", "read");
    const cookie = await signIn(base, "bob");
    const id = await runningJob("infra");
    const open = await fetch(`${base}/jobs/${id}/events`, { headers: { cookie } });
    expect(open.status).toBe(200);
    const text = await readStream(open, 10_000, () => sim.setPermission("acme/infra", "bob", "none"));
    expect(text).toContain("planning");
    // Ended by the server before the test's bound, without the end event of a finished job.
    expect(text).not.toContain("still open");
    expect(text).not.toContain("event: end");
    expect((await fetch(`${base}/jobs/${id}/events`, { headers: { cookie } })).status).toBe(404);
  });

  it("keeps streaming to a viewer who may still read it (control: only the access taken away ends it)", async () => {
    sim.setPermission("acme/other", "carol", "read");
    const cookie = await signIn(base, "carol");
    const id = await runningJob("other");
    const open = await fetch(`${base}/jobs/${id}/events`, { headers: { cookie } });
    expect(open.status).toBe(200);
    // Twenty checks' time: each one asked GitHub again and was told yes.
    const text = await readStream(open, 1_000, () => undefined);
    expect(text).toContain("planning");
    expect(text).toContain("still open");
  });
});

describe("a run's terminal hyperlink on the job page", () => {
  it("shows its text, never a link to where the run's output points", async () => {
    sim.setPermission("acme/infra", "dave", "read");
    const cookie = await signIn(base, "dave");
    const id = await runningJob("infra");
    const link = "\x1b]8;;https://evil.example/approve\x07Approve this apply here\x1b]8;;\x07";
    // Control: ansi_up, as the page uses it, makes that a clickable link when nothing stops it.
    const ansi = new AnsiUp();
    expect(ansi.ansi_to_html(link)).toContain('href="https://evil.example/approve"');
    await store.appendJobLog({ jobId: id, repo: "acme/infra", pr: 1, kind: "plan", project: "net", text: `${link}\n` }, 1_000_000);
    const page = await fetch(`${base}/jobs/${id}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Approve this apply here");
    expect(html).not.toContain("evil.example");
  });
});

describe("an escape sequence ansi_up never completes, in a run's output", () => {
  it("hides nothing after it on the job page", async () => {
    sim.setPermission("acme/infra", "erin", "read");
    const cookie = await signIn(base, "erin");
    const id = await runningJob("infra");
    const stuck = "Refreshing state...\x1b[1\u00e9\n";
    const rest = "Plan: 0 to add, 0 to change, 3 to destroy.\n";
    // Control: ansi_up alone shows nothing after such a sequence, in this chunk or the next (until
    // another ESC comes: a run without colours sends none).
    const ansi = new AnsiUp();
    expect(ansi.ansi_to_html(stuck) + ansi.ansi_to_html(rest)).not.toContain("3 to destroy");
    const log = (text: string) =>
      store.appendJobLog({ jobId: id, repo: "acme/infra", pr: 1, kind: "plan", project: "net", text }, 1_000_000);
    const page = async () => (await fetch(`${base}/jobs/${id}`, { headers: { cookie } })).text();
    await log(stuck);
    await log(rest);
    const html = await page();
    expect(html).toContain("3 to destroy");
    expect(html).toContain("Refreshing state...[1\u00e9");
    // Control: a colour right before a character past ASCII is a sequence ansi_up reads, as before.
    await log("\x1b[31m\u00e9t\u00e9\x1b[0m\n");
    expect(await page()).toContain('<span class="ansi-red-fg">\u00e9t\u00e9</span>');
  });

  it("hides nothing after it when the log's chunks split it", async () => {
    // A line over the live redactor's 1 MiB is released in pieces, cut where the run's line length
    // puts the cut: `ESC [ 1` can end one stored chunk and `é` begin the next.
    sim.setPermission("acme/infra", "erin", "read");
    const cookie = await signIn(base, "erin");
    const id = await runningJob("infra");
    const log = (text: string) =>
      store.appendJobLog({ jobId: id, repo: "acme/infra", pr: 1, kind: "plan", project: "net", text }, 1_000_000);
    await log("Refreshing state...\x1b[1");
    await log("\u00e9\n");
    await log("Plan: 0 to add, 0 to change, 3 to destroy.\n");
    const html = await (await fetch(`${base}/jobs/${id}`, { headers: { cookie } })).text();
    expect(html).toContain("3 to destroy");
    expect(html).toContain("Refreshing state...[1\u00e9");
  });
});
