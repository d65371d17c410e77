import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { projectsForBaseBranch } from "../../src/config/repo/projects-for-base-branch.js";

// Atlantis' `branch` regex comes from the PR head's atlantis.yaml and is matched against the base
// branch's name. Go's regexp (Atlantis) is linear; a JavaScript one can backtrack for ever, even on
// `main`, and the job thread runs every job of the replica.
const forBase = (branch: string, base: string) => {
  const loaded = loadRepoConfig({ atlantis: `version: 3\nprojects:\n  - dir: a\n    branch: "${branch}"\n  - dir: b\n` });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  const started = performance.now();
  const result = projectsForBaseBranch(loaded.config, base);
  return { result, ms: performance.now() - started };
};

describe("branch: a regex that backtracks without end", () => {
  it.each([
    ["/(.?){300}z/", "main"],
    ["/(?i)(a|a)*b/", "a".repeat(40)],
  ])("%s against %s is refused with the reason, at once (attack)", (branch, base) => {
    const { result, ms } = forBase(branch, base);
    expect(ms).toBeLessThan(5000);
    expect(result).toEqual({
      ok: false,
      errors: [
        `projects[0].branch: the regex ${branch} took longer than 1 s to match the base branch \`${base}\`; Atlantis (Go's regexp) matches in linear time: write it without nested or long counted repetition`,
      ],
    });
  });

  it("one V8's linear engine can take is answered, not refused", () => {
    const { result, ms } = forBase("/^(a+)+$/", `${"a".repeat(40)}!`);
    expect(ms).toBeLessThan(5000);
    expect(result.ok && result.config.projects.map((p) => p.dir)).toEqual(["b"]);
  });

  it("an ordinary regex still decides which projects exist (control)", () => {
    const main = forBase("/(?i)^MAIN$/", "main").result;
    expect(main.ok && main.config.projects.map((p) => p.dir)).toEqual(["a", "b"]);
    const dev = forBase("/^(a+)+$/", "dev").result;
    expect(dev.ok && dev.config.projects.map((p) => p.dir)).toEqual(["b"]);
  });
});
