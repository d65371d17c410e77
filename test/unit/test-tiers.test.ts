import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The unit tier starts no tool, server or app (vitest.config.ts): a unit test that imports what
 * starts one belongs in test/integration or test/e2e. Checked on the imports, so it fails at once.
 */
const UNIT = dirname(fileURLToPath(import.meta.url));

const STARTS_SOMETHING: { pattern: RegExp; what: string }[] = [
  { pattern: /runners\/exec\.js$/, what: "the exec choke point (spawns tools)" },
  { pattern: /install-helm(\.js)?$/, what: "the helm installer" },
  { pattern: /support\/(harness|start-app|postgres)\.js$/, what: "the app or PostgreSQL" },
  { pattern: /simulator\//, what: "the GitHub simulator" },
  { pattern: /^(node:)?child_process$/, what: "child processes" },
  { pattern: /spawner\/spawner\.js$/, what: "the spawner process" },
  { pattern: /^node-pty$|^pg$/, what: "processes or a database server" },
];

/** Files allowed one of the above, and why it starts nothing heavier. */
const ALLOWED = new Map([["read-checkout-file.test.ts", "child_process: mkfifo makes a FIFO to read; no tool runs"]]);

function unitFiles(): string[] {
  return readdirSync(UNIT, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(UNIT, join(e.parentPath, e.name)));
}

/** Modules a file loads when it runs (`import type` loads nothing). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(UNIT, file), "utf8");
  return [...text.matchAll(/^\s*import\s+(?!type\s)[^;]*?\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gms)].map(
    (m) => m[1] ?? m[2] ?? "",
  );
}

describe("unit tier", () => {
  const files = unitFiles();

  it("reads the unit tests' imports", () => {
    expect(files).toContain("test-tiers.test.ts");
    expect(importsOf("test-tiers.test.ts")).toContain("vitest");
  });

  it("imports nothing that starts a tool, a server or the app", () => {
    const found = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => STARTS_SOMETHING.some((s) => s.pattern.test(spec)))
        .filter(() => !ALLOWED.has(file))
        .map((spec) => `${file}: ${spec} (${STARTS_SOMETHING.find((s) => s.pattern.test(spec))?.what})`),
    );
    expect(found).toEqual([]);
  });

  it("would catch one (the check itself can fail)", () => {
    expect(STARTS_SOMETHING.some((s) => s.pattern.test("../../runners/exec.js"))).toBe(true);
    expect(STARTS_SOMETHING.some((s) => s.pattern.test("node:child_process"))).toBe(true);
    expect(STARTS_SOMETHING.some((s) => s.pattern.test("../simulator/github-simulator.js"))).toBe(true);
    expect(STARTS_SOMETHING.some((s) => s.pattern.test("../../src/tool-runs/run-projects.js"))).toBe(false);
  });
});
