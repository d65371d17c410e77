import type { Runner } from "../../runners/runner.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { decide, type GatePass } from "../../src/gate/decide.js";
import { requirementFacts } from "../../src/gate/requirement-facts.js";
import { secretsFor } from "../../src/job-context/secrets.js";
import type { Job, JobSpec } from "../../src/model/job.js";
import type { Project, RunnerKind } from "../../src/model/project.js";
import { createProjectRunner } from "../../src/tool-runs/project-runner.js";
import { fakeJobDeps } from "./fake-job-deps.js";
import { NO_PLAN_RULES } from "./no-plan-rules.js";

/**
 * The one project runner of acme/infra#3 with fake tools, a sandbox whose every command succeeds
 * (recording the scope it was asked for) and the real SQLite store: for unit tests of what the
 * runner itself does around a tool.
 */
export const NET: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
export const CLAIMS = { repository: "acme/infra", pull_request: 3, head_sha: "a".repeat(40), base_ref: "main", actor: "alice" };

export interface SandboxScope {
  writable: string[];
  readable: string[];
}

export async function projectRunnerUnderTest(opts: {
  runners: Partial<Record<RunnerKind, Runner>>;
  kind: JobSpec["kind"];
  serverConfig?: string;
}) {
  const scopes: SandboxScope[] = [];
  const deps = await fakeJobDeps({ runners: opts.runners, serverConfig: opts.serverConfig ?? "" });
  deps.tools.sandbox = {
    ...deps.tools.sandbox,
    execFor: (scope) => {
      scopes.push({ writable: [...scope.writable], readable: [...scope.readable] });
      return { ok: true, exec: Object.assign(async () => ({ exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 0 }), {}) };
    },
  };
  const job = {
    id: 7,
    target: { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x/acme/infra.git", pr: 3 },
    spec: { kind: opts.kind, trigger: "comment", actor: "alice" },
  } as unknown as Job;
  // The base branch's projects: net (Terraform) and web (a chart); any other is new.
  const base = [
    { name: "net", dir: "net", workspace: "default" },
    { name: "web", dir: "web", workspace: "default" },
  ];
  const settings = repoSettings(deps.config, "acme/infra", undefined, {}, base);
  const secrets = secretsFor(deps);
  const tools = createProjectRunner({ deps, job, vcs: deps.vcs, settings, secrets });
  return { deps, tools, secrets, scopes };
}

/** A pass for a project of acme/infra#3 on the given road, as the gate gives it. */
export function passFor(
  road: "comment" | "import",
  projectName = "net",
  /** The requirements' facts (reviews, who pushed the head, …); default: no review. */
  approvalFacts: Record<string, unknown> = {},
): GatePass {
  const d = decide({
    road,
    repo: "acme/infra",
    project: projectName,
    number: 3,
    actor: "alice",
    pause: undefined,
    actorAllowed: { allowed: true },
    window: { open: true },
    lock: { road: "pr", held: true },
    changedByPr: true,
    requirements: requirementFacts({
      requirements: [],
      approvalsNeeded: 0,
      facts: { reviews: [], author: "alice", headSha: "a", permissions: new Map(), ...approvalFacts } as never,
    }),
    ...(road === "comment"
      ? {
          plan: {
            madeFor: { headSha: "a" },
            live: { headSha: "a" },
            stillPending: true,
            file: { ok: true },
            replan: "",
            headOf: "pull request",
          },
          policies: { passed: true },
          destroy: { destroys: false, allowed: true, what: "" },
          planRules: NO_PLAN_RULES,
        }
      : {}),
  } as never);
  if (!d.allowed) throw new Error(`expected a pass: ${d.reasons.join("; ")}`);
  return d.pass;
}
