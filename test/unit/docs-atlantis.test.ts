import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UNSUPPORTED_STAGES, UNSUPPORTED_STEPS } from "../../src/config/repo/atlantis-workflows.js";
import { PROJECT_SUPPORTED, PROJECT_UNSUPPORTED, TOP_SUPPORTED, TOP_UNSUPPORTED } from "../../src/config/repo/normalize-atlantis-config.js";
import { TERRAFORM_WHEN_MODIFIED } from "../../src/config/repo/project-fields.js";

// The manual's Atlantis compatibility section (docs/repo-config.md) is the user's list of what
// differs from Atlantis: held to the parser, so a key the parser stops supporting (or starts
// supporting) cannot go unmentioned.

const page = readFileSync(new URL("../../docs/repo-config.md", import.meta.url), "utf8");
const section = page.slice(page.indexOf("**Atlantis compatibility.**"));
const differences = section.slice(section.indexOf("<!-- atlantis-differences -->"), section.indexOf("<!-- /atlantis-differences -->"));
const readsParagraph = section.slice(0, section.indexOf("Values are checked"));
const codes = (text: string) => new Set([...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));

describe("docs/repo-config.md: Atlantis compatibility", () => {
  it("names every key the parser reads", () => {
    const named = codes(readsParagraph);
    for (const key of [...TOP_SUPPORTED, ...PROJECT_SUPPORTED]) expect(named, key).toContain(key);
  });

  it("lists every key, stage and step the parser does not support among the differences", () => {
    const named = codes(differences);
    for (const key of [...TOP_UNSUPPORTED, ...PROJECT_UNSUPPORTED, ...UNSUPPORTED_STAGES, ...UNSUPPORTED_STEPS]) {
      expect(named, key).toContain(key);
    }
  });

  it("calls nothing unsupported that the parser supports", () => {
    const supported = new Set([...TOP_SUPPORTED, ...PROJECT_SUPPORTED]);
    for (const line of differences.split("\n").filter((l) => l.includes("not supported"))) {
      const keys = codes(line.slice(0, line.indexOf(":")));
      // `version` is a key and also a step: a line about steps names steps.
      const steps = new Set<string>(/ steps\b/.test(line) ? [...UNSUPPORTED_STAGES, ...UNSUPPORTED_STEPS] : []);
      for (const key of keys) if (!steps.has(key)) expect(supported.has(key), `${key} in: ${line}`).toBe(false);
    }
  });

  it("gives Atlantis' default when_modified, as the parser does", () => {
    const listed = section.slice(section.indexOf("The default is Atlantis'"));
    const defaults = [...listed.slice(0, listed.indexOf(")")).matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(defaults).toEqual([...TERRAFORM_WHEN_MODIFIED]);
  });
});
