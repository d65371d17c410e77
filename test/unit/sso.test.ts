import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorizeCommand } from "../../src/authorization/authorize-command.js";
import type { JobDeps } from "../../src/job-context/job-deps.js";
import type { Job } from "../../src/model/job.js";
import type { VcsClient } from "../../src/vcs/vcs-client.js";
import { tokenCaller } from "../../src/api/api-caller.js";
import { API_ROUTES } from "../../src/api/create-api.js";
import { openApiDocument } from "../../src/api/openapi.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";
import { accessFromGrants, grantsFromGroups, groupsOf, holdsEverywhere, permissionIn } from "../../src/sso/role-grants.js";
import { identityFromClaims } from "../../src/sso/sso-sign-in.js";
import { issueToken, issueTokenSchema } from "../../src/console/token-actions.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

const roles = {
  viewer: ["eng", { group: "contractors", repos: ["acme/web-*"] }],
  operator: [{ group: "sre", repos: ["acme/infra"] }],
  admin: ["platform"],
};

describe("roles from groups", () => {
  it.each([
    ["no group maps to a role", ["sales"], "acme/infra", "none"],
    ["a plain group: every repository", ["eng"], "acme/infra", "read"],
    ["a group limited by globs: a match", ["contractors"], "Acme/Web-Shop", "read"],
    ["a group limited by globs: no match", ["contractors"], "acme/infra", "none"],
    ["the highest role wins", ["eng", "sre"], "acme/infra", "write"],
    ["an operator elsewhere is a viewer here", ["eng", "sre"], "acme/web-shop", "read"],
    ["admin everywhere", ["platform"], "other/repo", "admin"],
    ["group names are exact", ["ENG"], "acme/infra", "none"],
  ] as const)("%s", (_name, groups, repo, permission) => {
    expect(permissionIn(grantsFromGroups(roles, groups), repo)).toBe(permission);
  });

  it("a `!` glob excludes: it never widens a role to the repository it names, nor to every other one", () => {
    const oncall = { operator: [{ group: "sre", repos: ["acme/*", "!acme/payments"] }] };
    const grants = grantsFromGroups(oncall, ["sre"]);
    expect(permissionIn(grants, "acme/payments")).toBe("none");
    expect(permissionIn(grants, "other/infra")).toBe("none");
    // Control: what the positive glob covers.
    expect(permissionIn(grants, "acme/web")).toBe("write");
    // A list of exclusions alone covers nothing (not: everything else).
    expect(permissionIn(grantsFromGroups({ viewer: [{ group: "eng", repos: ["!acme/payments"] }] }, ["eng"]), "other/x")).toBe("none");
  });

  it("a deleted repository's rows (owner/name~deleted-ID) are covered as the repository was, by its name", () => {
    const oncall = grantsFromGroups({ operator: [{ group: "sre", repos: ["acme/*", "!acme/payments"] }] }, ["sre"]);
    expect(permissionIn(oncall, "acme/payments~deleted-77")).toBe("none");
    // Controls: a role of that repository keeps it; another deleted repository the globs cover stays covered.
    expect(
      permissionIn(grantsFromGroups({ viewer: [{ group: "pay", repos: ["acme/payments"] }] }, ["pay"]), "acme/payments~deleted-77"),
    ).toBe("read");
    expect(permissionIn(oncall, "acme/web~deleted-78")).toBe("write");
  });

  it("a user mapped to no role sees no repository (control: a viewer sees them all)", () => {
    const known = ["acme/infra", "acme/web-shop"];
    expect([...accessFromGrants(grantsFromGroups(roles, ["sales"]), known)]).toEqual([]);
    expect([...accessFromGrants(grantsFromGroups(roles, ["eng"]), known).keys()]).toEqual(known);
  });

  it("server-wide acts need the role without a repository limit", () => {
    expect(holdsEverywhere(grantsFromGroups(roles, ["sre"]), "operator")).toBe(false);
    expect(holdsEverywhere(grantsFromGroups(roles, ["platform"]), "operator")).toBe(true);
    expect(holdsEverywhere(grantsFromGroups(roles, ["eng"]), "operator")).toBe(false);
  });

  it.each([
    [
      ["a", "b"],
      ["a", "b"],
    ],
    ["a", ["a"]],
    [undefined, []],
    [[1, "x", null], ["x"]],
  ])("reads the groups claim %j", (claim, groups) => {
    expect(groupsOf(claim)).toEqual(groups);
  });

  it("names an SSO user so no GitHub login can be mistaken for them", () => {
    const provider = {
      name: "corp",
      settings: parseServerConfig(
        "sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', roles: {viewer: [eng]}}]\n",
      ).sso[0] as never,
    };
    expect(identityFromClaims(provider, { sub: "123", preferred_username: "alice", groups: ["eng", "sales", "eng"] })).toEqual({
      actor: "sso:corp:alice",
      username: "alice",
      subject: "123",
      grants: [{ role: "viewer" }],
      // What the session keeps: only the groups a role names.
      groups: ["eng"],
    });
    expect(identityFromClaims(provider, { sub: "123", email: "a b@x" }).actor).toBe("sso:corp:a_b@x");
    expect(identityFromClaims(provider, { sub: "123" }).actor).toBe("sso:corp:123");
  });

  it("never names a user by an email the provider says is unverified (control: a verified one names them)", () => {
    const settings = (claim: string) =>
      parseServerConfig(
        `sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', username_claim: ${claim}, roles: {viewer: [eng]}}]\n`,
      ).sso[0] as never;
    for (const claim of ["preferred_username", "email"]) {
      const provider = { name: "corp", settings: settings(claim) };
      // Anyone may type alice's address into their own profile: it would sign them in as her actor.
      expect(identityFromClaims(provider, { sub: "mallory-1", email: "alice@corp.example", email_verified: false }).actor).toBe(
        "sso:corp:mallory-1",
      );
      expect(identityFromClaims(provider, { sub: "alice-1", email: "alice@corp.example", email_verified: true }).actor).toBe(
        "sso:corp:alice@corp.example",
      );
    }
  });
});

describe("server config: sso, github_sign_in, api", () => {
  it("defaults: GitHub sign-in on, no provider, the API off", () => {
    const c = parseServerConfig("");
    expect(c.github_sign_in).toBe(true);
    expect(c.sso).toEqual([]);
    expect(c.api).toEqual({ enabled: false, max_token_days: 365 });
  });

  it.each([
    ["a secret written in the file", "client_secret: hunter2", "client_secret: must be env:VARIABLE"],
    ["plain http to a remote issuer", "issuer: 'http://id.example'", "issuer: an https:// URL"],
    ["an unknown role", "roles: {owner: [x]}", "roles"],
  ])("refuses %s", (_name, line, message) => {
    const base = { name: "corp", issuer: "'https://id.example'", client_id: "c", client_secret: "'env:X'" } as Record<string, string>;
    const [key] = line.split(":") as [string];
    const fields = Object.entries(base)
      .filter(([k]) => k !== key)
      .map(([k, v]) => `${k}: ${v}`);
    expect(() => parseServerConfig(`sso: [{${[...fields, line].join(", ")}}]\n`)).toThrow(ConfigError);
    expect(() => parseServerConfig(`sso: [{${[...fields, line].join(", ")}}]\n`)).toThrow(message);
  });

  it("refuses two providers of one name, and accepts http on loopback (control)", () => {
    const one = "{name: corp, issuer: 'http://127.0.0.1:9', client_id: c, client_secret: 'env:X'}";
    expect(parseServerConfig(`sso: [${one}]\n`).sso[0]?.issuer).toBe("http://127.0.0.1:9");
    expect(() => parseServerConfig(`sso: [${one}, ${one}]\n`)).toThrow("two providers have the same name");
  });
});

describe("API", () => {
  it("describes every route in /api/v1/openapi.json, with its scope and schemas", () => {
    const doc = openApiDocument(API_ROUTES) as {
      paths: Record<string, Record<string, { "x-sluice-scope": string; requestBody?: unknown }>>;
    };
    for (const r of API_ROUTES) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op?.["x-sluice-scope"], `${r.method} ${r.path}`).toBe(r.scope);
      expect(Boolean(op?.requestBody)).toBe(Boolean(r.body));
    }
    expect(JSON.stringify(doc)).toContain('"reason"');
    // Every reference resolves inside the document (from its root, as OpenAPI reads them).
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
      expect([ref, target !== undefined]).toEqual([ref, true]);
    }
  });

  it("every operation needs the operate or admin scope; every read needs read", () => {
    for (const r of API_ROUTES)
      expect([r.method, r.path, r.scope]).toEqual([
        r.method,
        r.path,
        r.method === "GET" ? (r.path.includes("tokens") ? "admin" : "read") : r.path.includes("tokens") ? "admin" : "operate",
      ]);
  });

  it("an issued token stands for its highest scope over its repositories only", () => {
    const base = { id: 3, name: "ci", createdBy: "alice", createdAt: "", expiresAt: "" };
    const read = tokenCaller({ ...base, scopes: ["read"], repos: ["acme/*"] }, ["acme/infra", "other/x"]);
    expect([...read.access]).toEqual([["acme/infra", "read"]]);
    expect([...read.scopes]).toEqual(["read"]);
    expect(read.actor).toBe("token:3:ci");
    expect(read.mayPause).toBe(false);
    const op = tokenCaller({ ...base, scopes: ["operate"], repos: [] }, ["acme/infra"]);
    expect([...op.scopes]).toEqual(["read", "operate"]);
    expect(op.mayPause).toBe(true);
    expect(op.admin).toBe(false);
    const most = tokenCaller({ ...base, scopes: ["operate"], repos: ["acme/*", "!acme/payments"] }, ["acme/infra", "acme/payments", "b/c"]);
    expect([...most.access]).toEqual([["acme/infra", "write"]]);
  });

  it("a repos list of exclusions alone is refused, in the server config and for a token", () => {
    expect(() =>
      parseServerConfig(
        "sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', roles: {viewer: [{group: eng, repos: ['!acme/x']}]}}]\n",
      ),
    ).toThrow(/exclusion/);
    expect(issueTokenSchema.safeParse({ name: "ci", scopes: ["read"], repos: ["!acme/x"], expires_in_days: 1 }).success).toBe(false);
    // Control: an exclusion beside a glob it narrows.
    expect(issueTokenSchema.safeParse({ name: "ci", scopes: ["read"], repos: ["acme/*", "!acme/x"], expires_in_days: 1 }).success).toBe(
      true,
    );
  });

  it("a repository glob whose brackets do not pair is refused: read as plain text it matches nothing, and its exclusion excludes nothing", () => {
    // `!acme/{prod` (a brace lost in editing) matches no repository: the role or token covered
    // acme/prod through acme/*, the repository the operator excluded, and nothing said so.
    const bad = ["acme/*", "!acme/{prod"];
    expect(grantsFromGroups({ operator: [{ group: "sre", repos: bad }] }, ["sre"]).map((g) => permissionIn([g], "acme/prod"))).toEqual([
      "write",
    ]);
    const sso = (repos: string) =>
      `sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', roles: {operator: [{group: sre, repos: ${repos}}]}}]\n`;
    for (const glob of ["'!acme/{prod'", "'!acme/prod}'", "'!acme/[prod'", "'!acme/@(prod'"]) {
      expect(() => parseServerConfig(sso(`['acme/*', ${glob}]`))).toThrow(/brackets/);
    }
    const token = (repos: string[]) => issueTokenSchema.safeParse({ name: "ci", scopes: ["operate"], repos, expires_in_days: 1 });
    expect(token(bad).success).toBe(false);
    // Control: the brace list closed is one glob, taken, and it excludes.
    const good = ["acme/*", "!acme/{prod,staging}"];
    const server = parseServerConfig(sso(`['acme/*', '!acme/{prod,staging}']`));
    const roles = server.sso[0]?.roles ?? {};
    expect(permissionIn(grantsFromGroups(roles, ["sre"]), "acme/prod")).toBe("none");
    expect(permissionIn(grantsFromGroups(roles, ["sre"]), "acme/web")).toBe("write");
    expect(token(good).success).toBe(true);
  });
});

describe("a token issued with an API token", () => {
  it("expires no later than the token that issued it (control: a console admin issues the longest)", async () => {
    const store = openSqliteStore(":memory:");
    const now = new Date("2026-11-26T12:00:00Z");
    const ask = { name: "next", scopes: ["admin" as const], repos: [], expires_in_days: 365 };
    const parent = tokenCaller(
      { id: 1, name: "ci", scopes: ["admin"], repos: [], createdBy: "alice", createdAt: "", expiresAt: "2026-12-03T12:00:00.000Z" },
      [],
    );
    // Attack: a leaked admin token outliving its expiry (and its revocation) through a fresh one.
    const renewed = await issueToken(store, parent, ask, 365, now);
    expect(renewed).toEqual({
      ok: false,
      status: 400,
      error: expect.stringMatching(/no later than that token \(2026-12-03T12:00:00.000Z\)/),
    });
    expect(await store.apiTokens()).toEqual([]);
    // Within its own life it may issue.
    const within = await issueToken(store, parent, { ...ask, expires_in_days: 7 }, 365, now);
    expect(within.ok && within.record.expiresAt).toBe("2026-12-03T12:00:00.000Z");
    // Control: an admin signed in to the console stands behind what they issue themselves.
    const admin = { ...parent, actor: "alice", via: "the console", credentialExpiresAt: undefined };
    const long = await issueToken(store, admin, ask, 365, now);
    expect(long.ok && long.record.expiresAt).toBe("2027-11-26T12:00:00.000Z");
  });
});

describe("a job queued for someone signed in without GitHub", () => {
  const repo = { owner: "acme", name: "infra" };
  const job = (grant?: "read" | "write") =>
    ({
      id: 1,
      target: { repo, pr: 1 },
      spec: { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "sso:corp:otto", ...(grant ? { grant } : {}) },
    }) as unknown as Job;
  const asked: string[] = [];
  const vcs = {
    permissionOf: async (_r: unknown, user: string) => {
      asked.push(user);
      return "none" as const;
    },
  } as unknown as VcsClient;
  const deps = { config: { apply_users: [], apply_teams: [] } } as unknown as Pick<JobDeps, "config" | "store" | "log">;

  it("is decided with the permission the console granted, not GitHub's answer (control: without a grant GitHub decides)", async () => {
    expect((await authorizeCommand(vcs, deps, job("write"), "unlock", "write")).allowed).toBe(true);
    expect(asked).toEqual([]);
    expect((await authorizeCommand(vcs, deps, job("read"), "unlock", "write")).allowed).toBe(false);
    expect((await authorizeCommand(vcs, deps, job(), "unlock", "write")).allowed).toBe(false);
    expect(asked).toEqual(["sso:corp:otto"]);
  });

  it("is never made from a webhook: nothing in ingress sets a grant (control: the console's actions do)", () => {
    const dir = join(import.meta.dirname, "../../src/ingress");
    const ingress = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    expect(ingress.some((text) => text.includes('kind: "unlock"'))).toBe(true);
    expect(ingress.filter((text) => /\bgrant\b/.test(text))).toEqual([]);
    expect(readFileSync(join(import.meta.dirname, "../../src/console/console-actions.ts"), "utf8")).toMatch(/\bgrant\b/);
  });
});
