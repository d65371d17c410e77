import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const run = promisify(execFile);

/** Module hooks (run on their own thread): every module resolved, by URL, to the file in `data`. */
const RECORD_HOOKS = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + "\\n");
  return r;
}`;

/** The packages a module graph loads (ES modules and CommonJS alike), in a process of its own. */
async function packagesLoadedBy(modules: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-loaded-"));
  const file = join(dir, "resolved.txt");
  try {
    const hooks = `data:text/javascript,${encodeURIComponent(RECORD_HOOKS)}`;
    const imports = modules.map((m) => `await import(${JSON.stringify(join(ROOT, m))});`).join(" ");
    const script = `const { register } = await import("node:module"); register(${JSON.stringify(hooks)}, { data: ${JSON.stringify(file)} }); ${imports}`;
    await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT });
    const urls = (await readFile(file, "utf8")).split("\n");
    return [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Each of the app's two threads holds the code it loads: a driver or client only some servers use
// is loaded when configured (the PostgreSQL store, a webhook relay), not by every server.
it("the server's two threads do not load the PostgreSQL driver or the webhook relay's client until configured", async () => {
  const loaded = await packagesLoadedBy(["src/app/create-app.ts", "src/app/create-job-runtime.ts"]);
  // What every server needs is there: the detection sees packages.
  expect(loaded).toContain("better-sqlite3");
  expect(loaded).toContain("probot");
  expect(loaded).not.toContain("pg");
  expect(loaded).not.toContain("smee-client");
  // Control: the PostgreSQL store's module (openStore loads it for a postgres:// URL) and the
  // first-run registration flow (main loads it without credentials) bring them.
  expect(await packagesLoadedBy(["src/store/postgres-store.ts", "src/app/manifest-setup.ts"])).toEqual(
    expect.arrayContaining(["pg", "smee-client"]),
  );
}, 60_000);

// The job thread makes installation tokens and REST calls; Probot (webhooks, its server, its
// plugins) is the HTTP thread's. jose is loaded when a run's OIDC token is first signed.
it("the job thread loads neither Probot nor jose; the HTTP thread loads Probot", async () => {
  const jobs = await packagesLoadedBy(["src/app/create-job-runtime.ts"]);
  expect(jobs).toContain("@octokit/auth-app");
  expect(jobs).not.toContain("probot");
  expect(jobs).not.toContain("jose");
  // Control: the same detection sees Probot in the HTTP thread's graph.
  expect(await packagesLoadedBy(["src/app/create-app.ts"])).toContain("probot");
}, 60_000);
