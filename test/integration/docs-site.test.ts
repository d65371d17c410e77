import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { manualPages, ROOT } from "../support/manual.js";

const run = promisify(execFile);
const VITEPRESS = join(ROOT, "node_modules/.bin/vitepress");
const made: string[] = [];

afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

/** `vitepress build` of a docs dir (what `npm run docs:build` runs), into a throwaway dir. */
async function build(docs: string): Promise<{ ok: boolean; out: string; dist: string }> {
  const dist = await mkdtemp(join(tmpdir(), "sluice-docs-"));
  made.push(dist);
  try {
    const r = await run(VITEPRESS, ["build", docs, "--outDir", dist], { cwd: ROOT, maxBuffer: 32 << 20 });
    return { ok: true, out: r.stdout + r.stderr, dist };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, dist };
  }
}

describe("the documentation site", { timeout: 240_000 }, () => {
  it("builds, one HTML page per page of docs/, with the console's pictures", async () => {
    const r = await build("docs");
    expect(r.out, r.out).not.toMatch(/dead link/i);
    expect(r.ok, r.out).toBe(true);
    const pages = [...manualPages().keys()].filter((p) => p.startsWith("docs/"));
    expect(pages.length).toBeGreaterThan(30);
    const missing = pages.map((p) => join(r.dist, `${p.slice("docs/".length, -".md".length)}.html`)).filter((f) => !existsSync(f));
    expect(missing).toEqual([]);
    const console = await readFile(join(r.dist, "console.html"), "utf8");
    expect(console).toMatch(/<img src="\/assets\/overview\.[\w-]+\.png"/);
  });

  it("control: a link to a page that does not exist fails the build", async () => {
    // Inside the repository, where the config's `import "vitepress"` resolves (git ignores it).
    const docs = await mkdtemp(join(ROOT, ".test-dist-docs-"));
    made.push(docs);
    await cp(join(ROOT, "docs/.vitepress/config.mts"), join(docs, ".vitepress/config.mts"));
    await writeFile(join(docs, "index.md"), "# Home\n\nSee [the state page](state.md).\n");
    const r = await build(docs);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/dead link/i);
  });
});
