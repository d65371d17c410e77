import type { components } from "@octokit/openapi-types";
import { notFound, ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { ActivityState, SimRepo } from "./sim-types.js";
import { loginJson } from "./user-json.js";

type S = components["schemas"];

/**
 * Notes that `branch` moved from `before` to `after`, as GitHub's repository activity lists it.
 * Once per branch, commit and pusher: a redelivered push is not a second one.
 */
export function recordActivity(
  core: SimCore,
  repo: SimRepo,
  move: { branch: string; before: string; after: string; actor?: string },
): void {
  const ref = `refs/heads/${move.branch}`;
  repo.activities ??= [];
  const all = repo.activities;
  if (all.some((a) => a.ref === ref && a.after === move.after && a.actor === move.actor)) return;
  // The same push, now that its pusher is known (a pushBranch then the synchronize it caused).
  const unnamed = all.find((a) => a.ref === ref && a.after === move.after && !a.actor);
  if (unnamed && move.actor) {
    unnamed.actor = move.actor;
    return;
  }
  const created = /^0+$/.test(move.before);
  all.push({
    id: core.state.nextId("activity"),
    before: move.before,
    after: move.after,
    ref,
    timestamp: core.now(),
    activityType: created ? "branch_creation" : "push",
    ...(move.actor ? { actor: move.actor } : {}),
  });
}

/**
 * A branch pushed with no pusher named was pushed by the author of the pull request opened from
 * it (the simulator's one assumption, as for that author's write access).
 */
export function claimActivity(repo: SimRepo, branch: string, sha: string, author: string): void {
  for (const a of repo.activities ?? []) if (a.ref === `refs/heads/${branch}` && a.after === sha && !a.actor) a.actor = author;
}

/** `GET /repos/{owner}/{repo}/activity`: newest first unless `direction=asc`, filtered as GitHub documents. */
export function registerActivityRoutes(router: RestRouter, core: SimCore): void {
  router.add("GET", "/repos/{owner}/{repo}/activity", "token", (req) => {
    const repo = core.repoOr404(req.params);
    // A GitHub Enterprise Server older than the endpoint answers as for any unknown route.
    if (core.state.withoutActivity) throw notFound();
    const ref = req.query.get("ref");
    const wantedRef = ref ? (ref.startsWith("refs/") ? ref : `refs/heads/${ref}`) : undefined;
    const type = req.query.get("activity_type");
    const actor = req.query.get("actor")?.toLowerCase();
    const listed = (repo.activities ?? []).filter(
      (a) => (!wantedRef || a.ref === wantedRef) && (!type || a.activityType === type) && (!actor || a.actor?.toLowerCase() === actor),
    );
    const ordered = req.query.get("direction") === "asc" ? listed : [...listed].reverse();
    // Cursor pagination (`after`, given in the Link header), not page numbers.
    const perPage = Math.min(Math.max(Number(req.query.get("per_page")) || 30, 1), 100);
    const after = req.query.get("after");
    const start = after ? ordered.findIndex((a) => cursorOf(a) === after) + 1 : 0;
    const page = ordered.slice(start, start + perPage);
    const last = page.at(-1);
    const headers: Record<string, string> = {};
    if (last && start + perPage < ordered.length) {
      const q = new URLSearchParams(req.query);
      q.set("after", cursorOf(last));
      headers.link = `<${core.ctx.api}/repos/${repo.fullName}/activity?${q}>; rel="next"`;
    }
    return ok(
      page.map((a) => activityJson(core, a)),
      200,
      headers,
    );
  });
}

const cursorOf = (a: ActivityState) => Buffer.from(`cursor:${a.id}`).toString("base64url");

function activityJson(core: SimCore, a: ActivityState): S["activity"] {
  return {
    id: a.id,
    node_id: Buffer.from(`010:Activity${a.id}`).toString("base64"),
    before: a.before,
    after: a.after,
    ref: a.ref,
    timestamp: a.timestamp,
    activity_type: a.activityType,
    actor: a.actor ? loginJson(core.ctx, a.actor) : null,
  };
}
