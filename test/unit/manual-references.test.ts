import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { manualText, ROOT } from "../support/manual.js";

// Relative links are checked page by page in docs-manual.test.ts; here, the code spans. The design
// notes' list of other projects' files to read is about those projects, not this one.
const readme = [manualText(), readFileSync(join(ROOT, "SECURITY.md"), "utf8")]
  .join("\n")
  .replace(/^## Anchors worth reading[\s\S]*?(?=^## |$(?![\s\S]))/m, "");
const TOP = /^(?:(?:src|runners|test|bench|scripts|deploy|schema|\.ci)\/|docs\/(?!CODEOWNERS)[\w/-]+\.md$)/;
const ROOT_FILES = new Set([
  "Dockerfile",
  "compose.yaml",
  "app.yml",
  ".env.example",
  "SECURITY.md",
  "package.json",
  "tsconfig.build.json",
  ".dockerignore",
]);

/** Paths the manual names in code spans that name a file or folder of this repo. */
function referencedPaths(): string[] {
  const spans = [...readme.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1] ?? "")
    .flatMap((p) => {
      // `runners/terraform|helm|kustomize/` names three folders.
      const alt = /^(.*\/)([\w-]+(?:\|[\w-]+)+)(\/.*)?$/.exec(p);
      return alt ? (alt[2] ?? "").split("|").map((x) => `${alt[1]}${x}${alt[3] ?? ""}`) : [p];
    })
    .filter((p) => TOP.test(p) || ROOT_FILES.has(p));
  return [...new Set(spans)];
}

describe("the manual and SECURITY.md", () => {
  it("names only files and folders that exist in the repo", () => {
    const paths = referencedPaths();
    expect(paths.length).toBeGreaterThan(20);
    // A glob (`test/e2e/trust-holes-*.test.ts`) must match a file of its folder.
    const exists = (p: string) => {
      if (!p.includes("*")) return existsSync(join(ROOT, p));
      const dir = join(ROOT, dirname(p));
      const re = new RegExp(`^${basename(p).replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
      return existsSync(dir) && readdirSync(dir).some((f) => re.test(f));
    };
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });
});
