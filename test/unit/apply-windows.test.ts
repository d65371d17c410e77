import { describe, expect, it } from "vitest";
import { ruleCovers } from "../../src/config/trusted-identity.js";
import { type ApplyWindow, type Freeze, windowState } from "../../src/gate/apply-windows.js";
import type { TrustedIdentity } from "../../src/model/trusted-identity.js";

const known = (name: string, repo = "acme/infra", dir = name): TrustedIdentity => ({
  kind: "known",
  repo,
  name,
  dir,
  workspace: "default",
});

// The clock is the test's: every case passes its own `now`.
const at = (iso: string) => new Date(iso);
const H = 3600e3;

const weekdays: ApplyWindow = { match: "acme/*:prod*", allow: "0 9 * * 1-5", duration: 8 * H, timezone: "Europe/Berlin" };
const friday: ApplyWindow = { match: "acme/*", deny: "0 16 * * 5", duration: 2 * H, timezone: "Europe/Berlin" };
const yearEnd: Freeze = { match: "acme/*", from: "2026-12-20T00:00:00Z", to: "2027-01-04T00:00:00Z", reason: "year-end freeze" };

describe("apply windows and freezes", () => {
  it("matches REPO_GLOB[:PROJECT_GLOB] by the project's trusted identity", () => {
    expect(ruleCovers("acme/*:prod*", known("prod-eu"), "restrict")).toBe(true);
    expect(ruleCovers("acme/*:prod*", known("staging"), "restrict")).toBe(false);
    expect(ruleCovers("acme/*", known("anything"), "restrict")).toBe(true);
    expect(ruleCovers("acme/*", known("prod", "other/infra"), "restrict")).toBe(false);
  });

  it("a restricting rule naming a repository by a name it had before a rename still holds it; a grant does not", () => {
    const renamed: TrustedIdentity = { ...known("prod", "acme/infra-v2"), formerRepos: ["acme/infra"] };
    expect(ruleCovers("acme/infra", renamed, "restrict")).toBe(true);
    expect(ruleCovers("acme/infra:prod", renamed, "restrict")).toBe(true);
    expect(ruleCovers("acme/infra:staging", renamed, "restrict")).toBe(false);
    expect(ruleCovers("acme/infra", renamed, "grant")).toBe(false);
    expect(ruleCovers("acme/infra-v2", renamed, "grant")).toBe(true);
    // Control: a repository that never had the name is not held by it.
    expect(ruleCovers("acme/infra", known("prod", "acme/infra-v2"), "restrict")).toBe(false);
  });

  it.each<[string, string, boolean, string?]>([
    // Tuesday 2026-11-24, 10:00 in Berlin (09:00 UTC): inside 09:00-17:00 Berlin.
    ["2026-11-24T09:00:00Z", "prod", true],
    // Tuesday 17:30 Berlin: closed; opens Wednesday 09:00 Berlin = 08:00 UTC.
    ["2026-11-24T16:30:00Z", "prod", false, "2026-11-25 08:00 UTC"],
    // Saturday: opens Monday 09:00 Berlin.
    ["2026-11-28T12:00:00Z", "prod", false, "2026-11-30 08:00 UTC"],
    // A project no allow window matches is open unless denied.
    ["2026-11-28T12:00:00Z", "staging", true],
    // Friday 16:30 Berlin: the deny window (16:00-18:00 Berlin) closes everything until 17:00 UTC.
    ["2026-11-27T15:30:00Z", "staging", false, "2026-11-27 17:00 UTC"],
    ["2026-11-27T15:30:00Z", "prod", false, "2026-11-27 17:00 UTC"],
    // During the freeze, whatever the windows say; it opens when the freeze ends.
    ["2026-12-22T09:00:00Z", "prod", false, "2027-01-04 00:00 UTC"],
    ["2027-01-04T09:00:00Z", "prod", true],
  ])("at %s, project %s: open %s (opens at %s)", (now, project, open, opensAt) => {
    const s = windowState([weekdays, friday], [yearEnd], known(project), at(now));
    expect(s.open).toBe(open);
    if (!s.open) expect(s.opensAt).toBe(opensAt);
  });

  it("says why a project is closed", () => {
    const freeze = windowState([weekdays], [yearEnd], known("prod"), at("2026-12-22T09:00:00Z"));
    expect(freeze).toMatchObject({ open: false, why: "a change freeze is on until 2027-01-04 00:00 UTC (year-end freeze)" });
    const outside = windowState([weekdays], [], known("prod"), at("2026-11-28T12:00:00Z"));
    expect(outside).toMatchObject({ open: false, why: "it is outside the project's apply windows (`0 9 * * 1-5` (Europe/Berlin))" });
    const denied = windowState([friday], [], known("net"), at("2026-11-27T15:30:00Z"));
    expect(denied).toMatchObject({ open: false, why: "a deny window (`0 16 * * 5`, Europe/Berlin) is on until 2026-11-27 17:00 UTC" });
  });
});
