import { afterEach, describe, expect, it } from "vitest";
import { createApiAuth } from "../../src/api/api-auth.js";
import { newApiToken } from "../../src/console/token-actions.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

/**
 * An API token an SSO user issued before Sluice recorded their provider's issuer (store migration
 * 20), on a real SQLite store: Sluice cannot tell whose it is (the provider's name it recorded may
 * be another issuer's since, whose `sub` names someone else), so the API refuses it, saying why,
 * and the tokens issued with it, which stand on the same user.
 */
const later = new Date(Date.now() + 30 * 86400e3).toISOString();
const PINNED = { provider: "corp", issuer: "https://login.example.test", subject: "u-ada" };
let store: ReturnType<typeof openSqliteStore>;
afterEach(async () => {
  await store?.close();
});

async function issued(createdBy: string, sso?: typeof PINNED): Promise<{ token: string; by: string }> {
  const { token, digest } = newApiToken();
  const record = await store.addApiToken({
    name: "ci",
    digest,
    scopes: ["read"],
    repos: [],
    createdBy,
    ...(sso ? { createdBySso: sso } : {}),
    expiresAt: later,
  });
  return { token, by: `token:${record.id}:ci` };
}

function auth() {
  const a = createApiAuth({ store: Object.assign(store, { knownRepos: async () => ["acme/infra"] }), sso: new Map() });
  return (t: { token: string }) => a(`Bearer ${t.token}`, undefined);
}

describe("an SSO user's API token without an issuer", () => {
  it("attack: is refused, saying why; control: one that recorded its issuer, and a GitHub admin's, are taken", async () => {
    store = openSqliteStore(":memory:");
    const as = auth();
    const old = await issued("sso:corp:ada");
    expect(await as(old)).toEqual({
      ok: false,
      error:
        "the token was issued by an SSO user (sso:corp:ada) before Sluice recorded their provider's issuer (store migration 20): it is refused; issue a new one",
    });
    expect(await as(await issued("sso:corp:ada", PINNED))).toMatchObject({ ok: true, caller: { scopes: new Set(["read"]) } });
    expect(await as(await issued("alice"))).toMatchObject({ ok: true });
  });

  it("attack: refuses the tokens issued with it, however far down; control: a chain from one with its issuer is taken", async () => {
    store = openSqliteStore(":memory:");
    const as = auth();
    const old = await issued("sso:corp:ada");
    const child = await issued(old.by);
    const grandchild = await issued(child.by);
    const id = old.by.split(":")[1];
    for (const t of [child, grandchild])
      expect(await as(t)).toMatchObject({
        ok: false,
        error: expect.stringContaining(`stands on token ${id}, which was issued by an SSO user`),
      });
    const pinned = await issued("sso:corp:ada", PINNED);
    expect(await as(await issued((await issued(pinned.by)).by))).toMatchObject({ ok: true });
  });
});
