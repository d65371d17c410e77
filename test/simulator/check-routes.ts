import { checkRunJson } from "./github-shapes.js";
import { DOCS, RestError, invalidRequest, notFound, ok, paginate, stringField } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { CheckConclusion, CheckRunState, CheckStatus } from "./sim-types.js";

export const MAX_CHECK_OUTPUT_CHARS = 65_535;
const STATUSES: readonly string[] = ["queued", "in_progress", "completed"];
const CONCLUSIONS: readonly string[] = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"];

interface CheckUpdate {
  status?: CheckStatus;
  conclusion?: CheckConclusion;
  output?: CheckRunState["output"];
  started_at?: string;
  completed_at?: string;
  details_url?: string;
  external_id?: string;
  name?: string;
  actions?: CheckRunState["actions"];
}

/** Validates like GitHub's schema check for check runs; the messages follow GitHub's wording. */
function parseUpdate(body: Record<string, unknown>): CheckUpdate {
  const u: CheckUpdate = {};
  const { status, conclusion, output } = body;
  if (status !== undefined) {
    if (typeof status !== "string" || !STATUSES.includes(status)) {
      throw invalidRequest(`For 'properties/status', ${JSON.stringify(status)} is not one of ${JSON.stringify(STATUSES)}.`);
    }
    u.status = status as CheckStatus;
  }
  if (conclusion !== undefined && conclusion !== null) {
    if (typeof conclusion !== "string" || !CONCLUSIONS.includes(conclusion)) {
      throw invalidRequest(`For 'properties/conclusion', ${JSON.stringify(conclusion)} is not one of ${JSON.stringify(CONCLUSIONS)}.`);
    }
    u.conclusion = conclusion as CheckConclusion;
    // GitHub: "Providing conclusion will automatically set the status parameter to completed."
    u.status = "completed";
  }
  if (output !== undefined) {
    if (typeof output !== "object" || output === null)
      throw invalidRequest(`For 'properties/output', ${JSON.stringify(output)} is not an object.`);
    const o = output as Record<string, unknown>;
    const title = stringField(o, "title");
    const summary = stringField(o, "summary");
    if (title === undefined) throw invalidRequest(`"title" wasn't supplied.`);
    if (summary === undefined) throw invalidRequest(`"summary" wasn't supplied.`);
    const text = stringField(o, "text") ?? null;
    for (const value of [summary, text]) {
      if (value !== null && value.length > MAX_CHECK_OUTPUT_CHARS) {
        throw invalidRequest(`Only ${MAX_CHECK_OUTPUT_CHARS} characters are allowed; ${value.length} were supplied.`);
      }
    }
    u.output = { title, summary, text };
  }
  if (body.actions !== undefined) u.actions = parseActions(body.actions);
  for (const key of ["started_at", "completed_at", "details_url", "external_id", "name"] as const) {
    const v = stringField(body, key);
    if (v !== undefined) u[key] = v;
  }
  for (const key of ["started_at", "completed_at"] as const) {
    const v = u[key];
    if (v === undefined) continue;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw invalidRequest(`For 'properties/${key}', ${JSON.stringify(v)} is not a date-time.`);
    // GitHub keeps (and shows in payloads) a check run's times to the second.
    u[key] = new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  // GitHub: conclusion is "Required if you provide completed_at or a status of completed".
  if (u.completed_at !== undefined && u.conclusion === undefined) throw invalidRequest(`"conclusion" wasn't supplied.`);
  return u;
}

/** GitHub's limits on check run actions: at most 3; label and identifier 20, description 40 characters. */
function parseActions(actions: unknown): CheckRunState["actions"] {
  if (!Array.isArray(actions)) throw invalidRequest(`For 'properties/actions', ${JSON.stringify(actions)} is not an array.`);
  if (actions.length > 3) throw invalidRequest("Only 3 actions are allowed.");
  return actions.map((a: unknown) => {
    const o = (a ?? {}) as Record<string, unknown>;
    const label = stringField(o, "label");
    const identifier = stringField(o, "identifier");
    const description = stringField(o, "description");
    if (!label || !identifier || !description)
      throw invalidRequest(`"label", "identifier" and "description" are required for each action.`);
    if (label.length > 20) throw invalidRequest(`For 'properties/label', ${JSON.stringify(label)} is too long (maximum is 20 characters).`);
    if (identifier.length > 20)
      throw invalidRequest(`For 'properties/identifier', ${JSON.stringify(identifier)} is too long (maximum is 20 characters).`);
    if (description.length > 40)
      throw invalidRequest(`For 'properties/description', ${JSON.stringify(description)} is too long (maximum is 40 characters).`);
    return { label, identifier, description };
  });
}

export function registerCheckRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state, git } = core;

  const apply = (run: CheckRunState, u: CheckUpdate) => {
    const status = u.status ?? run.status;
    const conclusion = u.conclusion ?? (u.status && u.status !== "completed" ? null : run.conclusion);
    if (status === "completed" && !conclusion) throw invalidRequest(`"conclusion" wasn't supplied.`);
    run.status = status;
    run.conclusion = conclusion;
    if (u.name) run.name = u.name;
    if (u.output) run.output = u.output;
    if (u.details_url !== undefined) run.details_url = u.details_url;
    if (u.external_id !== undefined) run.external_id = u.external_id;
    if (u.actions !== undefined) run.actions = u.actions;
    const at = core.now();
    if (u.started_at) run.started_at = u.started_at;
    else if (status !== "queued" && !run.started_at) run.started_at = at;
    run.completed_at = status === "completed" ? (u.completed_at ?? run.completed_at ?? at) : null;
    run.history.push({ status, conclusion });
  };

  router.add("POST", "/repos/{owner}/{repo}/check-runs", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const name = stringField(req.body, "name");
    const headSha = stringField(req.body, "head_sha");
    if (!name) throw invalidRequest(`"name" wasn't supplied.`);
    if (!headSha) throw invalidRequest(`"head_sha" wasn't supplied.`);
    const update = parseUpdate(req.body);
    const sha = /^[0-9a-f]{40}$/.test(headSha) ? await git.resolve(repo.dir, headSha) : null;
    if (!sha) throw new RestError(422, { message: `No commit found for SHA: ${headSha}`, documentation_url: DOCS, status: "422" });
    const run: CheckRunState = {
      id: state.nextId("check"),
      repo,
      name,
      head_sha: sha,
      status: "queued",
      conclusion: null,
      external_id: null,
      details_url: null,
      started_at: null,
      completed_at: null,
      output: { title: null, summary: null, text: null },
      history: [],
      actions: [],
      head_branch: [...state.pulls.values()].find((p) => p.repo === repo && p.headSha === sha)?.headRef ?? null,
    };
    apply(run, update);
    state.checkRuns.set(run.id, run);
    return ok(checkRunJson(ctx, run), 201);
  });

  const runOr404 = (params: Record<string, string>) => {
    const repo = core.repoOr404(params);
    const run = state.checkRuns.get(Number(params.check_run_id));
    if (!run || run.repo !== repo) throw notFound();
    return run;
  };

  router.add("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "token", (req) => ok(checkRunJson(ctx, runOr404(req.params))));

  router.add("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "token", (req) => {
    const run = runOr404(req.params);
    apply(run, parseUpdate(req.body));
    return ok(checkRunJson(ctx, run));
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const ref = req.params.ref ?? "";
    const sha = await git.resolve(repo.dir, ref);
    if (!sha) throw new RestError(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS, status: "422" });
    const name = req.query.get("check_name");
    const status = req.query.get("status");
    let runs = [...state.checkRuns.values()]
      .filter((r) => r.repo === repo && r.head_sha === sha && (!name || r.name === name) && (!status || r.status === status))
      .sort((a, b) => b.id - a.id);
    // filter=latest (the default) keeps only the newest run of each name.
    if (req.query.get("filter") !== "all") runs = runs.filter((r, i) => runs.findIndex((o) => o.name === r.name) === i);
    const { page, headers } = paginate(req, runs, `${ctx.api}/repos/${repo.fullName}/commits/${ref}/check-runs`);
    return ok({ total_count: runs.length, check_runs: page.map((r) => checkRunJson(ctx, r)) }, 200, headers);
  });
}
