import { afterEach, describe, expect, it } from "vitest";
import { createApiAuth } from "../../src/api/api-auth.js";
import { newApiToken } from "../../src/console/token-actions.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

/**
 * An API token an SSO user issued before Sluice recorded their provider's issuer (store migration
 * 20), on a real SQLite store: Sluice cannot tell whose it is (the provider's name it recorded may
 * be another issuer's since, whose `sub` names someone else), so the API refuses it, saying why.
 */
const later = new Date(Date.now() + 30 * 86400e3).toISOString();
let store: ReturnType<typeof openSqliteStore>;
afterEach(async () => {
  await store?.close();
});

async function issued(createdBy: string, sso?: { provider: string; issuer: string; subject: string }) {
  const { token, digest } = newApiToken();
  await store.addApiToken({
    name: "ci",
    digest,
    scopes: ["read"],
    repos: [],
    createdBy,
    ...(sso ? { createdBySso: sso } : {}),
    expiresAt: later,
  });
  return token;
}

describe("an SSO user's API token without an issuer", () => {
  it("attack: is refused, saying why; control: one that recorded its issuer, and a GitHub admin's, are taken", async () => {
    store = openSqliteStore(":memory:");
    const auth = createApiAuth({ store: Object.assign(store, { knownRepos: async () => ["acme/infra"] }), sso: new Map() });
    const old = await issued("sso:corp:ada");
    expect(await auth(`Bearer ${old}`, undefined)).toEqual({
      ok: false,
      error:
        "the token was issued by an SSO user (sso:corp:ada) before Sluice recorded their provider's issuer (store migration 20): it is refused; issue a new one",
    });
    const pinned = await issued("sso:corp:ada", { provider: "corp", issuer: "https://login.example.test", subject: "u-ada" });
    expect(await auth(`Bearer ${pinned}`, undefined)).toMatchObject({ ok: true, caller: { scopes: new Set(["read"]) } });
    const github = await issued("alice");
    expect(await auth(`Bearer ${github}`, undefined)).toMatchObject({ ok: true });
  });
});
