import { grants } from "../../src/app/github-permissions.js";
import { ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import { rollupJson } from "./graphql-rollup.js";

/** GitHub answers GraphQL errors with 200 and an `errors` list, never with an HTTP status. */
const errors = (list: object[], data: unknown = null) => ok({ data, errors: list });

/**
 * `POST /graphql` (GitHub Enterprise Server's `/api/graphql`), for the one query Sluice sends:
 * a pull request's `reviewDecision`, and with it, when asked, its last commit's
 * `statusCheckRollup` (see rollupJson). Any other query is answered with an error, as a field the
 * schema lacks would be, and recorded as an unknown call.
 */
export function registerGraphqlRoutes(router: RestRouter, core: SimCore, unknown: (query: string) => void): void {
  router.add("POST", "/graphql", "token", (req) => {
    const query = typeof req.body.query === "string" ? req.body.query : "";
    const vars = (req.body.variables ?? {}) as { owner?: string; name?: string; number?: number; cursor?: string | null };
    if (!/\brepository\s*\(/.test(query) || !/\bpullRequest\s*\(/.test(query) || !/\breviewDecision\b/.test(query)) {
      unknown(query);
      return errors([{ message: "The simulator answers only a pull request's reviewDecision" }]);
    }
    if (core.state.graphqlWithoutIsRequired && /\bisRequired\b/.test(query)) {
      // A schema error: the whole query is refused, with no data at all.
      const extensions = { code: "undefinedField", typeName: "CheckRun", fieldName: "isRequired" };
      return ok({ errors: [{ path: ["query"], extensions, message: "Field 'isRequired' doesn't exist on type 'CheckRun'" }] });
    }
    const repo = core.state.repo(vars.owner ?? "", vars.name ?? "");
    const path = ["repository"];
    if (!repo) {
      return errors([
        { type: "NOT_FOUND", path, message: `Could not resolve to a Repository with the name '${vars.owner}/${vars.name}'.` },
      ]);
    }
    if (!grants(core.ctx.app.permissions, "pull_requests", "read")) {
      return errors([{ type: "FORBIDDEN", path: [...path, "pullRequest"], message: "Resource not accessible by integration" }], {
        repository: { pullRequest: null },
      });
    }
    const pr = core.state.pull(repo, Number(vars.number));
    if (!pr) {
      return errors(
        [
          {
            type: "NOT_FOUND",
            path: [...path, "pullRequest"],
            message: `Could not resolve to a PullRequest with the number of ${vars.number}.`,
          },
        ],
        { repository: { pullRequest: null } },
      );
    }
    const pullRequest: Record<string, unknown> = { reviewDecision: core.reviewDecision(pr) };
    if (!/\bstatusCheckRollup\b/.test(query)) return ok({ data: { repository: { pullRequest } } });
    const { rollup, denied } = rollupJson(core, pr, query, vars.cursor ?? undefined);
    pullRequest.commits = { nodes: [{ commit: { oid: pr.headSha, statusCheckRollup: rollup } }] };
    const data = { repository: { pullRequest } };
    return denied.length ? errors(denied, data) : ok({ data });
  });
}
