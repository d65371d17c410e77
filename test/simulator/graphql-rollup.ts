import { grants } from "../../src/app/github-permissions.js";
import { appIdOf } from "./app-json.js";
import type { SimCore } from "./sim-core.js";
import type { PullState } from "./sim-types.js";
import { isTheRequired, rollupOf } from "./status-checks.js";

/** GitHub's largest page of a connection. */
const PAGE = 100;

/**
 * A commit's `statusCheckRollup { contexts(first: 100, after: $cursor) { pageInfo nodes } }` as GitHub's GraphQL
 * schema has it: `CheckRun` (`name`, `status` and `conclusion` in upper case, `checkSuite.app`)
 * and `StatusContext` (`context`, `state`), each with `isRequired(pullRequestNumber:)` when
 * asked. null when nothing reported on the commit. A node the installation may not read (check
 * runs need Checks: read, statuses Commit statuses: read) is null with a FORBIDDEN error, as
 * GitHub answers part of a query it refuses.
 */
export function rollupJson(core: SimCore, pr: PullState, query: string, cursor?: string): { rollup: object | null; denied: object[] } {
  const entries = rollupOf(core.state, pr.repo, pr.headSha);
  if (!entries.length) return { rollup: null, denied: [] };
  const asked = (field: string) => new RegExp(`\\b${field}\\b`).test(query);
  const perms = core.ctx.app.permissions;
  const denied: object[] = [];
  const path = ["repository", "pullRequest", "commits", "nodes", 0, "commit", "statusCheckRollup", "contexts", "nodes"];
  // An opaque cursor, as GitHub's: here the index where the next page starts.
  const start = cursor
    ? Number(
        Buffer.from(cursor, "base64")
          .toString("utf8")
          .replace(/^cursor:v2:/, ""),
      ) || 0
    : 0;
  const nodes = entries.slice(start, start + PAGE).map((e, i) => {
    const may = e.kind === "check" ? grants(perms, "checks", "read") : grants(perms, "statuses", "read");
    if (!may) {
      denied.push({ type: "FORBIDDEN", path: [...path, i], message: "Resource not accessible by integration" });
      return null;
    }
    const name = e.kind === "check" ? e.run.name : e.status.context;
    const isRequired = asked("isRequired") ? { isRequired: isTheRequired(pr, e, core.ctx.app.slug) } : {};
    if (e.kind === "status") {
      return { __typename: "StatusContext", context: name, state: e.status.state.toUpperCase(), ...isRequired };
    }
    const slug = e.run.app ?? core.ctx.app.slug;
    const app = { slug, ...(asked("databaseId") ? { databaseId: appIdOf(core.ctx.app, slug) } : {}) };
    return {
      __typename: "CheckRun",
      name,
      status: e.run.status.toUpperCase(),
      conclusion: e.run.conclusion?.toUpperCase() ?? null,
      ...isRequired,
      ...(asked("checkSuite") ? { checkSuite: { app } } : {}),
    };
  });
  const end = Math.min(start + PAGE, entries.length);
  const endCursor = Buffer.from(`cursor:v2:${end}`).toString("base64");
  return { rollup: { contexts: { pageInfo: { hasNextPage: entries.length > end, endCursor }, nodes } }, denied };
}
