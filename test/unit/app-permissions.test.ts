import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  allowedBy,
  ENDPOINT_PERMISSIONS,
  EVENT_PERMISSIONS,
  missingPermissions,
  NEEDED_PERMISSIONS,
  OPTIONAL_ENDPOINTS,
  type PermissionSet,
} from "../../src/app/github-permissions.js";
import { countedEvent } from "../../src/ingress/counted-event.js";

const ROOT = join(import.meta.dirname, "../..");
const appYml = parse(readFileSync(join(ROOT, "app.yml"), "utf8")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/**
 * Every GitHub call in src/, as `METHOD /route`: Octokit's endpoint methods (`rest.issues.createComment`,
 * also when paginated) through Octokit's own route table, and `request("METHOD /route")`.
 */
function callsInSource(): Map<string, string[]> {
  const rest = new Octokit().rest as unknown as Record<string, Record<string, { endpoint: { DEFAULTS: { method: string; url: string } } }>>;
  const calls = new Map<string, string[]>();
  const add = (route: string, file: string) => calls.set(route, [...(calls.get(route) ?? []), file.slice(ROOT.length + 1)]);
  for (const file of [...sources(join(ROOT, "src")), ...sources(join(ROOT, "runners"))]) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\brest\.(\w+)\.(\w+)\b/g)) {
      const method = rest[m[1] as string]?.[m[2] as string];
      if (!method) throw new Error(`${file}: rest.${m[1]}.${m[2]} is not an Octokit endpoint method`);
      add(`${method.endpoint.DEFAULTS.method} ${method.endpoint.DEFAULTS.url}`, file);
    }
    for (const m of text.matchAll(/\brequest\(\s*"([A-Z]+ \/[^"]*)"/g)) add(m[1] as string, file);
    // GraphQL has no route: the one query that reads a commit's rollup is its own row.
    if (/\bstatusCheckRollup\b/.test(text)) add("GRAPHQL merge blockers", file);
  }
  return calls;
}

const LOWER: Record<string, string> = { write: "read", read: "none" };
const needsOf = (rule: (typeof ENDPOINT_PERMISSIONS)[string]): readonly PermissionSet[] => (Array.isArray(rule) ? rule : []);

describe("app.yml asks for what Sluice's calls need, and nothing more", () => {
  const calls = callsInSource();
  // git fetches with the installation token (`x-access-token`): a call Octokit does not make.
  const gitFetch = readFileSync(join(ROOT, "src/workspace/run-git.ts"), "utf8").includes("x-access-token");

  it("finds the calls (the scan itself works), git fetches included", () => {
    expect(calls.has("POST /repos/{owner}/{repo}/deployments")).toBe(true);
    expect(calls.has("GET /app")).toBe(true);
    expect(gitFetch).toBe(true);
  });

  it("every call the code makes has a row in the table from GitHub's permissions reference", () => {
    const unknown = [...calls].filter(([route]) => !(route in ENDPOINT_PERMISSIONS)).map(([r, files]) => `${r} (${files.join(", ")})`);
    expect(unknown, "add these rows to src/app/github-permissions.ts").toEqual([]);
  });

  it("every row is a call the code makes (a stale row would keep a permission alive)", () => {
    const made = new Set([...calls.keys(), "GIT fetch", "POST /app/installations/{installation_id}/access_tokens"]);
    expect(Object.keys(ENDPOINT_PERMISSIONS).filter((r) => !made.has(r))).toEqual([]);
  });

  const required = () => [
    ...[...calls.keys(), "GIT fetch"]
      .filter((route) => !(route in OPTIONAL_ENDPOINTS))
      .map((route) => ({ what: route, needs: needsOf(ENDPOINT_PERMISSIONS[route] ?? []) })),
    ...appYml.default_events.map((event) => ({
      what: `${event} events`,
      needs: EVENT_PERMISSIONS[event] ?? [{ unknown: "read" as const }],
    })),
  ];
  const unmet = (granted: Record<string, string>) =>
    required()
      .filter((r) => r.needs.length > 0 && !allowedBy(granted, r.needs))
      .map((r) => r.what);

  it("app.yml's permissions allow every call and every subscribed event (deployments: write included)", () => {
    expect(unmet(appYml.default_permissions)).toEqual([]);
    expect(appYml.default_permissions.deployments).toBe("write");
  });

  it("each permission in app.yml is needed at its level: one step lower breaks a call or an event", () => {
    const excess: string[] = [];
    for (const [name, level] of Object.entries(appYml.default_permissions)) {
      // GitHub grants metadata: read to every app that has any repository permission.
      if (name === "metadata") continue;
      const lower = { ...appYml.default_permissions, [name]: LOWER[level] ?? "none" };
      if (unmet(lower).length === 0) excess.push(`${name}: ${level}`);
    }
    expect(excess).toEqual([]);
  });

  it("optional calls name the setting that needs them, and that permission is not asked for by default", () => {
    expect(OPTIONAL_ENDPOINTS).toEqual({ "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge": "automerge" });
    expect(
      allowedBy(appYml.default_permissions, needsOf(ENDPOINT_PERMISSIONS["PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge"] ?? [])),
    ).toBe(false);
  });

  it("the metrics count every subscribed event under its own name (any other is `other`)", () => {
    for (const event of appYml.default_events) expect(countedEvent(event)).toBe(event);
    expect(countedEvent("made_up")).toBe("other");
  });

  it("what Sluice checks at start is exactly what app.yml asks for", () => {
    expect(Object.fromEntries(Object.entries(NEEDED_PERMISSIONS).map(([k, v]) => [k, v.access]))).toEqual(appYml.default_permissions);
  });

  it("missingPermissions names what an installation of an older manifest lacks, and what stops working", () => {
    const old = { contents: "read", issues: "write", pull_requests: "write", checks: "write", metadata: "read", statuses: "read" };
    const missing = missingPermissions(old);
    expect(missing.map((m) => [m.name, m.granted, m.essential])).toEqual([
      ["deployments", "none", false],
      ["members", "none", false],
      ["merge_queues", "none", false],
    ]);
    expect(missing[0]?.stops).toMatch(/no deployment appears/);
    expect(missingPermissions({ ...old, checks: "read" }).map((m) => m.name)).toContain("checks");
    expect(missingPermissions({ ...appYml.default_permissions })).toEqual([]);
  });
});
