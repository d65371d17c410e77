import type { IngressDecision, IngressSettings } from "./event-to-job.js";
import { actorIdField } from "../model/job.js";
import { disabledReason, type Payload, targetOf } from "./ingress-payload.js";

/**
 * GitHub sends `requested_action` and `rerequested` only to the app that made the check run or
 * suite. The "Apply" button is exactly `/apply` by the clicking user, bound to the clicked run's
 * commit; "Re-run" of a Sluice check is a bare `/plan` by the user who asked.
 */
export function checkEventToJob(
  event: "check_run" | "check_suite",
  p: Payload,
  actor: string,
  settings: Pick<IngressSettings, "allowCommands"> = {},
): IngressDecision {
  // The button and the re-run are those commands, so the server's `allow_commands` holds for
  // them as for the comments: a server without `apply` applies nothing from a pull request's page.
  const disabled = (word: string, what: string) =>
    settings.allowCommands && !settings.allowCommands.includes(word)
      ? { ignore: `${what} is \`/${word}\`: ${disabledReason(word, settings.allowCommands)}` }
      : undefined;
  const check = event === "check_run" ? p.check_run : p.check_suite;
  if (p.sender?.type === "Bot" || actor.endsWith("[bot]")) return { ignore: `${event} by a bot` };
  const headSha = check?.head_sha;
  // The first PR of the commit in this repository: GitHub lists every open PR whose head is this
  // commit or branch, in other repositories too (a fork's own PR: its number names another PR
  // here), but never PRs from forks into this one; for those the job looks the PR up by the head
  // SHA (pr 0 until then).
  const repoId = p.repository?.id;
  const ours = (x: { base?: { repo?: { id?: number } } }) =>
    repoId === undefined || x.base?.repo?.id === undefined || x.base.repo.id === repoId;
  const pr = check?.pull_requests?.find((x) => typeof x.number === "number" && ours(x))?.number ?? 0;
  if (!pr && !headSha) return { ignore: `${event}.${p.action} without a pull request or a commit` };
  const target = targetOf(p, pr, headSha);
  if (typeof target === "string") return { ignore: target };
  if (event === "check_run" && p.action === "requested_action") {
    if (p.check_run?.name !== "sluice/plan" || p.requested_action?.identifier !== "apply") {
      return {
        ignore: `requested action ${p.requested_action?.identifier ?? "(none)"} on ${p.check_run?.name ?? "a check"} is not one of Sluice's`,
      };
    }
    const off = disabled("apply", "the Apply button");
    if (off) return off;
    const run = p.check_run;
    const madeBy = makerOf(run);
    const clicked =
      typeof run?.id === "number" && typeof run.completed_at === "string" && typeof run.conclusion === "string"
        ? {
            clicked: {
              checkRunId: run.id,
              completedAt: run.completed_at,
              conclusion: run.conclusion,
              ...(madeBy ? { madeBy } : {}),
            },
          }
        : {};
    return {
      job: { target, spec: { kind: "apply", trigger: "button", actor, ...actorIdField(p.sender?.id), checkSha: headSha, ...clicked } },
    };
  }
  if (p.action !== "rerequested") return { ignore: `${event}.${p.action} is not acted on` };
  if (event === "check_run" && !p.check_run?.name?.startsWith("sluice/"))
    return { ignore: `re-run of ${p.check_run?.name}: not a Sluice check` };
  const run = event === "check_run" ? p.check_run : undefined;
  const madeBy = makerOf(run);
  const rerunOf = typeof run?.id === "number" ? { rerunOf: { checkRunId: run.id, ...(madeBy ? { madeBy } : {}) } } : {};
  return (
    disabled("plan", "a re-run of a Sluice check") ?? {
      job: { target, spec: { kind: "plan", trigger: "rerun", actor, ...actorIdField(p.sender?.id), ...rerunOf } },
    }
  );
}

/** Sluice names each check run it makes after its job; GitHub sends clicks and re-runs only to its maker. */
function makerOf(run: { external_id?: string | null } | undefined): number | undefined {
  const id = /^sluice-job-(\d{1,12})$/.exec(run?.external_id ?? "")?.[1];
  return id ? Number(id) : undefined;
}

/** `gh-readonly-queue/main/pr-123-<sha>`: the PRs of a merge group, as GitHub names its branch. */
export function mergeGroupPulls(headRef: string): number[] {
  return [...headRef.matchAll(/(?:^|\/)pr-(\d+)-[0-9a-f]{7,40}/g)].map((m) => Number(m[1]));
}

export function mergeGroupToJob(p: Payload, actor: string): IngressDecision {
  if (p.action !== "checks_requested") return { ignore: `merge_group.${p.action} is not acted on` };
  const group = p.merge_group;
  if (!group?.head_sha || !group.head_ref || !group.base_sha) return { ignore: "merge_group without head and base" };
  const pulls = mergeGroupPulls(group.head_ref);
  const first = pulls[0];
  if (first === undefined) return { ignore: `merge group ${group.head_ref} names no pull request` };
  const target = targetOf(p, first, group.head_sha);
  if (typeof target === "string") return { ignore: target };
  const baseRef = (group.base_ref ?? "").replace(/^refs\/heads\//, "");
  return {
    job: {
      target,
      spec: {
        kind: "merge_group",
        headSha: group.head_sha,
        headRef: group.head_ref,
        baseSha: group.base_sha,
        baseRef,
        pulls,
        actor,
        ...actorIdField(p.sender?.id),
      },
    },
  };
}
