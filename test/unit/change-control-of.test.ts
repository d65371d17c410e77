import { describe, expect, it } from "vitest";
import { fakePeople } from "../fakes/fake-people.js";
import { fakeUserId } from "../fakes/fake-vcs.js";
import { changeControlOf } from "../../src/authorization/change-control-of.js";
import { windowState } from "../../src/gate/apply-windows.js";
import { projectPermission } from "../../src/authorization/change-control-facts.js";
import { formatChangeControl } from "../../src/cli/format-change-control.js";
import { renderPage } from "../../src/console/console-templates.js";
import type { ServerConfig } from "../../src/config/server-config.js";

const H = 3600e3;
const config: Pick<ServerConfig, "apply_windows" | "freezes" | "permissions"> = {
  apply_windows: [
    { match: "acme/*:prod*", allow: "0 9 * * 1-5", duration: 8 * H, timezone: "Europe/Berlin" },
    { match: "acme/infra", deny: "0 16 * * 5", duration: 2 * H, timezone: "Europe/Berlin" },
    { match: "other/*", deny: "0 0 * * *", duration: 24 * H, timezone: "Etc/UTC" },
  ],
  freezes: [
    { match: "acme/*", from: "2026-12-20T00:00:00Z", to: "2027-01-04T00:00:00Z", reason: "year-end freeze" },
    { match: "acme/infra:db", from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z", reason: "migration" },
  ],
  permissions: [
    { match: "acme/infra:prod", apply: ["carol", "acme/sre"], state: ["acme/sre"] },
    { match: "other/infra", apply: ["mallory"] },
  ],
};

describe("changeControlOf: the rules a repository's projects meet, as the console and `sluice config explain` show them", () => {
  it("lists the rules whose repository side matches, each with what it says now", () => {
    // Friday 2026-11-27 16:30 Berlin (15:30 UTC): inside the weekday allow window and the deny window.
    const now = new Date("2026-11-27T15:30:00Z");
    const cc = changeControlOf(config, "acme/infra", now);
    expect(cc.windows).toEqual([
      {
        match: "acme/*:prod*",
        kind: "allow",
        cron: "0 9 * * 1-5",
        duration: "8h",
        timezone: "Europe/Berlin",
        on: true,
        until: "2026-11-27 16:00 UTC",
        next: "2026-11-30 08:00 UTC",
      },
      {
        match: "acme/infra",
        kind: "deny",
        cron: "0 16 * * 5",
        duration: "2h",
        timezone: "Europe/Berlin",
        on: true,
        until: "2026-11-27 17:00 UTC",
        next: "2026-12-04 15:00 UTC",
      },
    ]);
    expect(cc.freezes.map((f) => [f.match, f.now])).toEqual([
      ["acme/*", "ahead"],
      ["acme/infra:db", "over"],
    ]);
    expect(cc.permissions).toEqual([
      {
        match: "acme/infra:prod",
        actions: [
          { action: "apply", who: ["carol", "acme/sre"] },
          { action: "state", who: ["acme/sre"] },
        ],
      },
    ]);
    // What the page says agrees with the gate: the deny window closes prod until 17:00 UTC.
    const prod = { kind: "known", repo: "acme/infra", name: "prod", dir: "prod", workspace: "default" } as const;
    expect(windowState(config.apply_windows, config.freezes, prod, now)).toMatchObject({ open: false, opensAt: "2026-11-27 17:00 UTC" });
  });

  it("a window not on now says when it next starts; a freeze on now says so", () => {
    // Saturday, during the year-end freeze.
    const cc = changeControlOf(config, "acme/infra", new Date("2026-12-26T12:00:00Z"));
    expect(cc.windows[0]).toMatchObject({ on: false, next: "2026-12-28 08:00 UTC" });
    expect(cc.windows[0]).not.toHaveProperty("until");
    expect(cc.freezes[0]).toMatchObject({ now: "on", from: "2026-12-20 00:00 UTC", to: "2027-01-04 00:00 UTC" });
  });

  it("control: another repository's rules are not listed, nor this one's for it", () => {
    const other = changeControlOf(config, "other/infra", new Date("2026-11-27T15:30:00Z"));
    expect(other.windows.map((w) => w.match)).toEqual(["other/*"]);
    expect(other.freezes).toEqual([]);
    expect(other.permissions.map((p) => p.match)).toEqual(["other/infra"]);
    expect(changeControlOf(config, "nobody/else", new Date())).toEqual({ windows: [], freezes: [], permissions: [] });
  });

  it("a window whose occurrences overlap (longer than its period) is on until the last of them ends, on the page and in the gate", () => {
    // Meant as "from Friday evening to Monday morning", written for every weekday: each evening's
    // window reaches past the next evening's start, so the project stays closed until Monday 09:00.
    const overlapping = {
      apply_windows: [{ match: "acme/infra", deny: "0 18 * * 1-5", duration: 63 * H, timezone: "Etc/UTC" }],
      freezes: [],
      permissions: [],
    };
    const tuesdayNight = new Date("2026-11-24T20:00:00Z");
    const prod = { kind: "known", repo: "acme/infra", name: "prod", dir: "prod", workspace: "default" } as const;
    expect(windowState(overlapping.apply_windows, [], prod, tuesdayNight)).toMatchObject({ open: false, opensAt: "2026-11-30 09:00 UTC" });
    expect(changeControlOf(overlapping, "acme/infra", tuesdayNight).windows[0]).toMatchObject({ on: true, until: "2026-11-30 09:00 UTC" });
    // One whose occurrences chain on for good says so, and names no time it opens.
    const always = [{ match: "acme/infra", deny: "* * * * *", duration: 2 * 60e3, timezone: "Etc/UTC" }];
    const never = windowState(always, [], prod, tuesdayNight);
    expect(never).toMatchObject({ open: false, why: expect.stringContaining("no end in sight") });
    expect(never).not.toHaveProperty("opensAt");
    // Control: a window that does not overlap ends with its own occurrence.
    const mondayNoon = new Date("2026-11-30T08:00:00Z");
    expect(windowState(overlapping.apply_windows, [], prod, mondayNoon)).toMatchObject({ open: false, opensAt: "2026-11-30 09:00 UTC" });
    expect(windowState(config.apply_windows, config.freezes, prod, new Date("2026-11-27T15:30:00Z"))).toMatchObject({
      opensAt: "2026-11-27 17:00 UTC",
    });
  });

  it("a rule naming an action with an empty list lets no one do it, and the page, the CLI and the refusal say so", async () => {
    const locked = { apply_windows: [], freezes: [], permissions: [{ match: "acme/infra", apply: [] as string[], state: ["carol"] }] };
    const cc = changeControlOf(locked, "acme/infra", new Date("2026-11-27T15:30:00Z"));
    expect(formatChangeControl(cc)).toContain("acme/infra  apply: no one; state: carol");
    const html = renderPage("settings", { title: "Settings" }, { repo: "acme/infra", settings: [], changeControl: cc });
    expect(html.replace(/\s+/g, " ")).toContain("<code>apply</code>: no one<br>");
    const prod = { kind: "known", repo: "acme/infra", name: "prod", dir: "prod", workspace: "default" } as const;
    const people = fakePeople();
    const deps = { config: locked, store: people.store, log: people.log } as never;
    const vcs = { teamMember: async () => false, userId: people.userId };
    const refused = await projectPermission(deps, vcs, prod, "apply", { login: "alice", id: fakeUserId("alice") });
    expect(refused).toEqual({
      allowed: false,
      reasons: ["the server's permissions rule `acme/infra` lets no one apply this project, @\u200balice included"],
    });
    // Control: a rule that names someone names them, and lets them.
    expect(html.replace(/\s+/g, " ")).toContain("<code>state</code>: carol");
    expect((await projectPermission(deps, vcs, prod, "state", { login: "carol", id: fakeUserId("carol") })).allowed).toBe(true);
  });
});
