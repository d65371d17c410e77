import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorMessage } from "../../src/util/errors.js";

// Contracts that used to be held by strings written in many places, each now in one module:
// what a thrown value says (src/util/errors.ts), the hidden markers of Sluice's own comments
// (src/render/comment-body.ts), and what a failed spawn was (runners/spawn-error.ts). A copy
// written by hand again would drift from the one module; these scans find it.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function sources(): { file: string; text: string }[] {
  return ["src", "runners"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return { file: relative(ROOT, path), text: readFileSync(path, "utf8") };
      }),
  );
}

const offenders = (pattern: RegExp, except: string[] = []) =>
  sources()
    .filter((s) => !except.includes(s.file) && pattern.test(s.text))
    .map((s) => s.file);

describe("errorMessage", () => {
  it.each([
    ["an Error", new Error("disk full"), "disk full"],
    ["a subclass", new TypeError("bad"), "bad"],
    ["a string", "plain", "plain"],
    ["a number", 42, "42"],
    ["undefined", undefined, "undefined"],
    ["an object", { code: "X" }, "[object Object]"],
  ])("of %s", (_name, thrown, text) => {
    expect(errorMessage(thrown)).toBe(text);
  });

  it("is the only hand-written 'message of an unknown error' in src/ and runners/", () => {
    expect(offenders(/\b(\w+) instanceof Error \? \1\.message : String\(\1\)/, ["src/util/errors.ts"])).toEqual([]);
  });
});

describe("one grammar for Sluice's hidden comment markers", () => {
  it("only the comment-body model writes or reads `<!-- sluice:` lines", () => {
    expect(offenders(/<!-- sluice:/, ["src/render/comment-body.ts"])).toEqual([]);
  });

  it("the scan finds a hand-built marker (it is not vacuous)", () => {
    expect(/<!-- sluice:/.test(readFileSync(join(ROOT, "src/render/comment-body.ts"), "utf8"))).toBe(true);
  });
});

describe("spawn failures are types", () => {
  it("nothing recognises a failed spawn by its message", () => {
    // A tool's output or any error can say "could not start x: ... ENOENT"; only the type is proof.
    expect(offenders(/\/\^?could not start|ENOENT\\b/)).toEqual([]);
  });
});
