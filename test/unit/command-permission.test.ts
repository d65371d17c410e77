import { describe, expect, it } from "vitest";
import type { Permission } from "../../src/model/pull-request.js";
import { checkCommandPermission } from "../../src/policy/check-command-permission.js";

const ORDER: Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

describe("checkCommandPermission", () => {
  it.each(ORDER.flatMap((needed) => ORDER.map((has) => [needed, has] as const)))("needs %s, has %s", (needed, has) => {
    const d = checkCommandPermission("plan", { user: "eve", permission: has, allowedByServer: false, needed });
    expect(d.allowed).toBe(ORDER.indexOf(has) >= ORDER.indexOf(needed));
    if (!d.allowed)
      expect(d.reasons[0]).toBe(
        `@eve needs ${needed} access to this repository to plan (has ${has === "none" ? "no access" : `${has} access`})`,
      );
  });

  it("users named by the server may run it without repo access", () => {
    expect(checkCommandPermission("unlock", { user: "ops", permission: "none", allowedByServer: true, needed: "write" }).allowed).toBe(
      true,
    );
  });
});
