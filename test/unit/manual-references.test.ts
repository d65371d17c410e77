import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const TOP = /^(src|runners|test|bench|scripts|deploy|schema|\.ci)\//;
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

/** Paths README names: relative links, and code spans that name a file or folder of this repo. */
function referencedPaths(): string[] {
  const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1] ?? "").filter((p) => !/^[a-z]+:/.test(p));
  const spans = [...readme.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1] ?? "")
    .flatMap((p) => {
      // `runners/terraform|helm|kustomize/` names three folders.
      const alt = /^(.*\/)([\w-]+(?:\|[\w-]+)+)(\/.*)?$/.exec(p);
      return alt ? (alt[2] ?? "").split("|").map((x) => `${alt[1]}${x}${alt[3] ?? ""}`) : [p];
    })
    .filter((p) => TOP.test(p) || ROOT_FILES.has(p));
  return [...new Set([...links, ...spans])];
}

describe("README", () => {
  it("names only files and folders that exist in the repo", () => {
    const paths = referencedPaths();
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});
