import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { docsReferencePages } from "../../scripts/write-docs-reference.js";
import { USAGE } from "../../src/command/usage.js";
import { serverConfigSchema } from "../../src/config/server-config-schema.js";
import { sluiceConfigSchema } from "../../src/config/repo/sluice-schema.js";
import { manualPages, ROOT, slugify } from "../support/manual.js";

const pages = manualPages();
const FENCE = /^(```|~~~)[\s\S]*?^\1/gm;

/** The anchors a page offers: its headings, as VitePress slugs them, and `<a id>`s. */
function anchorsOf(text: string): Set<string> {
  const prose = text.replace(FENCE, "");
  const headings = [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugify((m[1] ?? "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")));
  const ids = [...prose.matchAll(/<a id="([^"]+)"/g)].map((m) => m[1] ?? "");
  return new Set([...headings, ...ids]);
}

/** The relative links of a page (outside code), as [target file, anchor]. */
function linksOf(page: string, text: string): { link: string; file: string; anchor?: string }[] {
  const prose = text.replace(FENCE, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? "")
    .filter((l) => !/^[a-z]+:/i.test(l))
    .map((link) => {
      const [path = "", anchor] = link.split("#");
      const file = path === "" ? page : normalize(join(dirname(page), path));
      return { link, file, anchor };
    });
}

describe("the manual", () => {
  it("links only to pages and anchors that exist", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const [page, text] of pages) {
      for (const { link, file, anchor } of linksOf(page, text)) {
        checked++;
        const full = join(ROOT, file);
        if (!existsSync(full)) {
          broken.push(`${page}: ${link} (no ${file})`);
          continue;
        }
        if (anchor && statSync(full).isFile() && file.endsWith(".md") && !anchorsOf(readFileSync(full, "utf8")).has(anchor)) {
          broken.push(`${page}: ${link} (no #${anchor} in ${file})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  it("control: a link to a missing anchor is caught", () => {
    const [{ file, anchor } = { file: "", anchor: "" }] = linksOf("docs/x.md", "[a](state.md#no-such-heading)");
    expect(file).toBe("docs/state.md");
    expect(anchorsOf(readFileSync(join(ROOT, file), "utf8")).has(anchor ?? "")).toBe(false);
    expect(anchorsOf("## Where `state` lives (now)\n")).toEqual(new Set(["where-state-lives-now"]));
  });

  it("lists every page of docs/ in the site's sidebar, and every sidebar entry is a page", () => {
    const config = readFileSync(join(ROOT, "docs/.vitepress/config.mts"), "utf8");
    const linked = new Set([...config.matchAll(/link: "\/([^"#]*)"/g)].map((m) => `docs/${m[1]}.md`));
    const docs = [...pages.keys()].filter((p) => p.startsWith("docs/") && p !== "docs/index.md");
    expect(docs.filter((p) => !linked.has(p))).toEqual([]);
    expect([...linked].filter((p) => !pages.has(p))).toEqual([]);
  });

  it("keeps README short: a map of the manual, not the manual", () => {
    const readme = pages.get("README.md") ?? "";
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
    // Every page of the sidebar's first groups is reachable from README in one click.
    for (const page of ["getting-started", "github-app", "atlantis", "cloud-credentials", "change-control", "operations"]) {
      expect(readme).toContain(`(docs/${page}.md)`);
    }
  });

  it("gives README's commands, which are the ones CI runs", () => {
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    const ciCommands = ci
      .slice(ci.indexOf("# The commands README gives."))
      .split("\n")
      .filter((l) => /^npm /.test(l))
      .map((l) => l.replace(/ --no-audit --no-fund$/, ""));
    expect(ciCommands).toEqual(["npm ci", "npm run demo", "npm test"]);
    const readme = pages.get("README.md") ?? "";
    const shell = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => (m[1] ?? "").split("\n"));
    const npm = shell.filter((l) => /^npm /.test(l));
    expect(npm.filter((c) => c !== "npm start")).toEqual(ciCommands);
  });
});

describe("the generated reference", () => {
  it("is what the generator writes (run `npm run docs:reference` after a schema, usage, metric or audit action changes)", async () => {
    for (const [path, text] of await docsReferencePages()) {
      expect(readFileSync(join(ROOT, path), "utf8"), path).toBe(text);
    }
  });

  it("names every key of both configs", () => {
    const keys = (s: unknown, found: Set<string>): Set<string> => {
      if (s && typeof s === "object") {
        const o = s as Record<string, unknown>;
        if (o.properties && typeof o.properties === "object") for (const k of Object.keys(o.properties)) found.add(k);
        for (const v of Object.values(o)) keys(v, found);
      }
      return found;
    };
    for (const [schema, page] of [
      [serverConfigSchema, "docs/reference/server-config.md"],
      [sluiceConfigSchema, "docs/reference/repo-config.md"],
    ] as const) {
      const text = readFileSync(join(ROOT, page), "utf8");
      const all = keys(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }), new Set());
      expect(all.size).toBeGreaterThan(20);
      expect([...all].filter((k) => !text.includes(`| \`${k}\` |`))).toEqual([]);
    }
  });

  it("names every command and flag the comment parser accepts", () => {
    const parser = ["parse-comment.ts", "parse-args.ts"].map((f) => readFileSync(join(ROOT, "src/command", f), "utf8")).join("\n");
    const flags = new Set([...parser.matchAll(/"(--[a-z][a-z-]+)"/g)].map((m) => m[1] ?? ""));
    expect(flags.size).toBeGreaterThan(5);
    expect([...flags].filter((f) => !USAGE.includes(f))).toEqual([]);
    const reference = readFileSync(join(ROOT, "docs/reference/commands.md"), "utf8");
    for (const command of [
      "/plan",
      "/apply",
      "/unlock",
      "/import",
      "/state rm",
      "/state push-errored",
      "/approve_policies",
      "/drift",
      "/preview",
      "/applies",
      "/help",
    ]) {
      expect(reference).toContain(`\`${command}`);
    }
  });
});
