import { afterEach, describe, expect, it } from "vitest";
import { revokeTokensOfRefusedUser } from "../../src/console/refused-user-tokens.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

/**
 * The API tokens of a user their provider refused, on a real SQLite store: every token they issued,
 * and every live token issued with one of those (however far down), whatever became of the tokens
 * between.
 */
const later = new Date(Date.now() + 30 * 86400e3).toISOString();
let store: ReturnType<typeof openSqliteStore>;
afterEach(async () => {
  await store?.close();
});

const add = (name: string, createdBy: string) =>
  store.addApiToken({ name, digest: `d-${name}`, scopes: ["admin"], repos: [], createdBy, expiresAt: later });

describe("revoking a refused user's API tokens", () => {
  it("attack: a token issued with one the user revoked themselves before they were disabled is revoked too", async () => {
    store = openSqliteStore(":memory:");
    // Vera issues a token, issues a second with it, then revokes the first: the second is
    // `token:<first>:…`'s, and nothing in her name is live any more.
    const first = await add("vera-ci", "sso:corp:vera");
    const kept = await add("kept", `token:${first.id}:vera-ci`);
    const deeper = await add("deeper", `token:${kept.id}:kept`);
    expect(await store.revokeApiToken(first.id, "sso:corp:vera")).toBe(true);
    const revoked = await revokeTokensOfRefusedUser(store, { actor: "sso:corp:vera" }, "corp refused sso:corp:vera's sign-in");
    expect(revoked.sort((x, y) => x - y)).toEqual([kept.id, deeper.id]);
    expect(await store.usableApiToken(`d-kept`)).toBeUndefined();
    expect(await store.usableApiToken(`d-deeper`)).toBeUndefined();
    // The first one keeps who revoked it; the audit trail names the two Sluice revoked.
    const first2 = (await store.apiTokens()).find((t) => t.id === first.id);
    expect(first2?.revokedBy).toBe("sso:corp:vera");
    const audit = await store.auditEvents({ action: "api-token-revoke", limit: 10 });
    expect(audit.map((e) => e.detail).sort()).toEqual(
      [kept.id, deeper.id].map((id) => `token ${id}: corp refused sso:corp:vera's sign-in`).sort(),
    );
  });

  it("control: another user's tokens, and those issued with them, stay", async () => {
    store = openSqliteStore(":memory:");
    const vera = await add("vera-ci", "sso:corp:vera");
    const otto = await add("otto-ci", "sso:corp:otto");
    const ottos = await add("ottos", `token:${otto.id}:otto-ci`);
    expect(await store.revokeApiToken(otto.id, "sso:corp:otto")).toBe(true);
    expect(await revokeTokensOfRefusedUser(store, { actor: "sso:corp:vera" }, "refused")).toEqual([vera.id]);
    expect((await store.usableApiToken(`d-ottos`))?.id).toBe(ottos.id);
  });
});
