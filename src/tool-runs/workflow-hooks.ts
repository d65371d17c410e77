import { repoFullName } from "../model/repo.js";
import { errorMessage } from "../util/errors.js";
import { networkFor } from "../../runners/sandbox/network-policy.js";
import { ranWell } from "../../runners/exec.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Job } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { Checkout } from "../workspace/workspace.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { hookSandbox } from "./project-runner.js";
import type { Secrets } from "../job-context/secrets.js";
import { openJobLog } from "./store-job-log.js";

type Hook = ServerConfig["pre_workflow_hooks"][number];

/** Where the hooks' output goes in the job log (the console shows it beside the projects'). */
export const HOOK_LOG = { pre: "pre_workflow_hooks", post: "post_workflow_hooks" } as const;

/** The hooks that run for `command` (a hook without `commands` runs for every command). */
export function hooksFor(hooks: readonly Hook[], command: string): Hook[] {
  return hooks.filter(
    (h) =>
      h.commands === undefined ||
      h.commands
        .split(",")
        .map((c) => c.trim())
        .includes(command),
  );
}

export interface HookFacts {
  command: string;
  pr: Pick<PullRequestInfo, "number" | "author" | "headSha" | "headRef" | "headRepo" | "baseRef" | "htmlUrl">;
  repo: { owner: string; name: string };
  dir: string;
  user: string;
  commentArgs: readonly string[];
  projectName?: string;
}

/** The environment Atlantis documents for workflow hooks (pure). */
export function hookEnv(f: HookFacts): Record<string, string> {
  const [headOwner = f.repo.owner, headName = f.repo.name] = f.pr.headRepo.split("/");
  return {
    BASE_REPO_NAME: f.repo.name,
    BASE_REPO_OWNER: f.repo.owner,
    HEAD_REPO_NAME: headName,
    HEAD_REPO_OWNER: headOwner,
    HEAD_BRANCH_NAME: f.pr.headRef,
    HEAD_COMMIT: f.pr.headSha,
    BASE_BRANCH_NAME: f.pr.baseRef,
    PULL_NUM: String(f.pr.number),
    PULL_URL: f.pr.htmlUrl,
    PULL_AUTHOR: f.pr.author,
    DIR: f.dir,
    USER_NAME: f.user,
    // As Atlantis: every character escaped, arguments joined by commas.
    COMMENT_ARGS: f.commentArgs.map((a) => [...a].map((c) => `\\${c}`).join("")).join(","),
    COMMAND_NAME: f.command,
    // Inside the sandbox's own /tmp: a hook may write it; Sluice's statuses are its checks.
    OUTPUT_STATUS_FILE: "/tmp/sluice-hook-status",
    PROJECT_NAME: f.projectName ?? "",
  };
}

const describeHook = (h: Hook) => `\`${h.description ?? h.run.split("\n")[0]}\``;

export type HookOutcome = { ok: true; ran: number } | { ok: false; line: string };

type HookContext = Parameters<typeof runWorkflowHooks>[1] & { checkout: Pick<Checkout, "dir" | "includeAll"> };

/**
 * Before a plan or an apply: the pre hooks, in a full checkout (a hook may read any file of the
 * PR, and writes next to them: a generated atlantis.yaml). `refusal`: the comment's line when one
 * failed. An apply runs saved plans whatever a hook writes (a Helm apply's render is compared with
 * its plan), so a hook cannot change what is applied, only stop it.
 */
export async function runPreHooks(ctx: HookContext): Promise<{ ran: number; refusal?: string }> {
  if (hooksFor(ctx.deps.config.pre_workflow_hooks, ctx.facts.command).length === 0) return { ran: 0 };
  await ctx.checkout.includeAll();
  const pre = await runWorkflowHooks("pre", ctx);
  if (pre.ok) return { ran: pre.ran };
  return {
    ran: 0,
    refusal: `⛔ ${pre.line}\n${ctx.facts.command === "apply" ? "Nothing was applied" : "No plan ran"}: the repository's pre-workflow hooks must succeed first (their output is in the job log).`,
  };
}

/**
 * Runs the repository's pre or post workflow hooks for a command, one after the other, each in
 * the sandbox of the PR's checkout (writable: the checkout only) with a time limit; their output
 * goes to the job log. The first that fails stops the others and is described in one line.
 */
export async function runWorkflowHooks(
  when: "pre" | "post",
  ctx: {
    deps: JobDeps;
    job: Job;
    checkout: Pick<Checkout, "dir">;
    secrets: Pick<Secrets, "redact">;
    facts: Omit<HookFacts, "dir">;
  },
): Promise<HookOutcome> {
  const { deps, job, checkout } = ctx;
  const hooks = hooksFor(when === "pre" ? deps.config.pre_workflow_hooks : deps.config.post_workflow_hooks, ctx.facts.command);
  if (hooks.length === 0) return { ok: true, ran: 0 };
  const key = `\`${HOOK_LOG[when]}\``;
  // Hooks belong to no project: the repository's own network rule (`REPO` or `REPO:*`) decides.
  const network = { networkFor: () => networkFor(deps.config.network, repoFullName(job.target.repo), HOOK_LOG[when]) };
  const sandboxed = hookSandbox(deps, job, HOOK_LOG[when], checkout.dir, network);
  if (!sandboxed.ok) return { ok: false, line: `${key}: not run: ${sandboxed.reason}` };
  const log = openJobLog(deps, job, HOOK_LOG[when]);
  try {
    for (const hook of hooks) {
      log.write(`$ ${hook.run}\n`);
      const args = (hook.shellArgs ?? "-c").split(" ").filter(Boolean);
      // A hook that cannot start (its `shell` is not installed) is a failed hook, said like any
      // other, never a crash of the plan or apply it surrounds.
      const result = await sandboxed
        .exec(hook.shell ?? "sh", [...args, hook.run], {
          cwd: checkout.dir,
          env: hookEnv({ ...ctx.facts, dir: checkout.dir }),
          timeoutMs: deps.config.workflow_hook_timeout,
          redact: ctx.secrets.redact,
          onOutput: (chunk) => log.write(chunk),
        })
        .catch((e: unknown) => ({ started: errorMessage(e) }));
      if ("started" in result) return { ok: false, line: `${key}: hook ${describeHook(hook)} could not start: ${result.started}` };
      if (ranWell(result) && !result.timedOut) continue;
      const why = result.timedOut
        ? `did not finish within its time limit (${Math.round(deps.config.workflow_hook_timeout / 1000)}s, server setting \`workflow_hook_timeout\`) and was stopped`
        : result.limit
          ? // Stopped by the watch, or found over the disk limit by the measure at its end.
            `reached a sandbox limit: ${result.limit.message} (server setting \`limits\`)`
          : `failed (exit code ${result.exitCode ?? result.signal})`;
      const tail = lastLine(`${result.stdout}\n${result.stderr}`);
      return { ok: false, line: `${key}: hook ${describeHook(hook)} ${why}${tail ? `: ${tail}` : ""}` };
    }
    return { ok: true, ran: hooks.length };
  } finally {
    log.end();
  }
}

/** The last non-empty output line, short: enough for the PR comment; the whole output is in the job log. */
function lastLine(text: string): string {
  const line =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
