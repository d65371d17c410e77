import { afterEach, describe, expect, it } from "vitest";
import { revokeTokensBeyondRoles } from "../../src/console/demoted-user-tokens.js";
import type { RoleGrant } from "../../src/sso/role-grants.js";
import type { TokenScope } from "../../src/store/api-token-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

/**
 * The API tokens that stand on a user whose roles were lowered, on a real SQLite store: each is
 * judged by its own scopes and repositories against the roles the user holds now, in every
 * repository Sluice knows and, for a token without a repository limit, in every one.
 */
const later = new Date(Date.now() + 30 * 86400e3).toISOString();
const ada = { actor: "sso:corp:ada", sso: { provider: "corp", issuer: "https://login.example.test", subject: "u-ada" } };
const KNOWN = ["acme/app", "acme/payments", "other/site"];
let store: ReturnType<typeof openSqliteStore>;
afterEach(async () => {
  await store?.close();
});

async function add(name: string, scopes: TokenScope[], repos: string[], createdBy = ada.actor, sso: typeof ada.sso | undefined = ada.sso) {
  return store.addApiToken({
    name,
    digest: `d-${name}`,
    scopes,
    repos,
    createdBy,
    ...(sso ? { createdBySso: sso } : {}),
    expiresAt: later,
  });
}

/** The names of the tokens revoked when Ada's roles become `grants`. */
async function revokedFor(grants: RoleGrant[]): Promise<string[]> {
  const s = { ...store, knownRepos: async () => KNOWN };
  const ids = await revokeTokensBeyondRoles(s, ada, grants, "demoted", Date.now());
  const all = await store.apiTokens();
  return ids.map((id) => all.find((t) => t.id === id)?.name ?? "?").sort();
}

describe("revoking a demoted user's API tokens", () => {
  it("attack: an admin made operator of acme/* loses her admin tokens, those issued with them, and what reaches beyond acme/*", async () => {
    store = openSqliteStore(":memory:");
    const admin = await add("admin", ["admin"], []);
    await add("chained", ["admin"], [], `token:${admin.id}:admin`, undefined);
    await add("acme-admin", ["admin"], ["acme/*"]);
    await add("read-all", ["read"], []);
    await add("read-other", ["read"], ["other/*"]);
    await add("operate-acme", ["read", "operate"], ["acme/*"]);
    await add("read-app", ["read"], ["acme/app"]);
    expect(await revokedFor([{ role: "operator", repos: ["acme/*"] }])).toEqual([
      "acme-admin",
      "admin",
      "chained",
      "read-all",
      "read-other",
    ]);
  });

  it("an exclusion in the user's role counts: operate over acme/* goes where payments is now out of reach", async () => {
    store = openSqliteStore(":memory:");
    await add("operate-acme", ["operate"], ["acme/*"]);
    await add("operate-app", ["operate"], ["acme/app"]);
    expect(await revokedFor([{ role: "operator", repos: ["acme/*", "!acme/payments"] }])).toEqual(["operate-acme"]);
  });

  it("control: an admin everywhere keeps every token, and another user's tokens are never judged by her roles", async () => {
    store = openSqliteStore(":memory:");
    await add("admin", ["admin"], []);
    await add("read-app", ["read"], ["acme/app"]);
    expect(await revokedFor([{ role: "admin" }])).toEqual([]);
    await add("eves", ["admin"], [], "sso:corp:ada", { ...ada.sso, subject: "u-eve" });
    expect(await revokedFor([])).toEqual(["admin", "read-app"]);
    expect((await store.usableApiToken("d-eves"))?.name).toBe("eves");
  });

  it("attack: judges her tokens issued under the provider's former name (the same issuer), not another issuer's user of her sub under its name", async () => {
    store = openSqliteStore(":memory:");
    // The operator renamed staff to corp (same issuer); corp had been another issuer's before.
    await add("renamed", ["admin"], [], "sso:staff:ada", { ...ada.sso, provider: "staff" });
    await add("other-issuer", ["admin"], [], "sso:corp:ada", { ...ada.sso, issuer: "https://other.example.test" });
    expect(await revokedFor([{ role: "viewer" }])).toEqual(["renamed"]);
    expect((await store.usableApiToken("d-other-issuer"))?.name).toBe("other-issuer");
  });
});
