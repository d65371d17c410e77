import type { GateRule, Road } from "../model/gate.js";
import { checkRequirements } from "../policy/check-apply-policy.js";
import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import { describeBlocking } from "../policy/policy-status.js";
import type { PauseState } from "../store/console-store.js";
import { describeStaleInputs } from "../inputs/stale-inputs.js";
import type { GateFacts, PlanFacts } from "./gate-facts.js";
import { approvalMode, checkAgent, checkDestroyRule, checkProtect } from "./plan-rule-checks.js";

const short = (sha: string) => sha.slice(0, 7);
const stamp = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`;

/**
 * Which rules each road takes. Every road takes the pause and the actor; every road that applies
 * a plan takes the plan, the lock and the policy checks on that plan. A road added to `Road`
 * without a row here does not compile.
 */
export const ROAD_RULES: Readonly<Record<Road, readonly GateRule[]>> = {
  comment: ["pause", "actor", "agent", "permission", "window", "plan", "inputs", "lock", "requirements", "destroy", "protect", "policies"],
  button: ["pause", "actor", "agent", "permission", "window", "plan", "inputs", "lock", "requirements", "destroy", "protect", "policies"],
  merge: ["pause", "actor", "agent", "permission", "window", "plan", "inputs", "lock", "requirements", "destroy", "protect", "policies"],
  // A drift issue has no reviews: a teardown is held by `allow_destroy` and the `destroy:` rule's
  // window, and a rule that asks for approvals refuses it (applied from a pull request instead).
  "drift-issue": [
    "pause",
    "actor",
    "agent",
    "permission",
    "window",
    "plan",
    "inputs",
    "lock",
    "verified",
    "destroy",
    "protect",
    "policies",
  ],
  // A reconcile outside its window is not a failure: it waits, and the next check tries again.
  // Its permission is that of who asked for it in a `/drift` comment (an agent may not); a schedule's is Sluice's own.
  reconcile: [
    "pause",
    "actor",
    "agent",
    "permission",
    "window",
    "plan",
    "inputs",
    "lock",
    "verified",
    "destroy",
    "protect",
    "policies",
    "drift-pause",
  ],
  // A state change has no plan to be stale: its comment, not older than the head, is what says its writer saw what it changes.
  import: ["pause", "actor", "agent", "permission", "window", "changed", "asked-before-head", "lock", "requirements"],
  "state-rm": ["pause", "actor", "agent", "permission", "window", "changed", "asked-before-head", "lock", "requirements"],
  // Apply's rules, but for the window and the PR's changes: the push records in the backend what an
  // apply already did in the cloud (a freeze must not keep the backend blind to it), and the hold
  // may come from a drift road, with no PR that changes the project.
  "state-push": ["pause", "actor", "agent", "permission", "asked-before-head", "lock", "requirements"],
  // A preview runs in a workspace of its own: the lock asked is that workspace's (another PR
  // holding it refuses), never the project's real one, which stays with the PRs that change it.
  "preview-apply": ["pause", "actor", "agent", "permission", "window", "plan", "lock", "protect", "policies"],
  // Tearing a preview down does not wait for a window: a preview kept alive by a freeze is the
  // leak this road exists to stop. A paused server still stops it (the destroy is retried later).
  // Nor does `protect` stop it: it destroys the pull request's own copy, which nobody could
  // override for a closed pull request.
  "preview-destroy": ["pause", "actor", "plan", "lock", "policies"],
  "scheduled-destroy": ["pause", "actor", "window", "plan", "lock", "protect", "policies"],
};

/** While applies are paused, every road is refused with who paused and why. */
export function checkPause(pause: PauseState | undefined): Decision {
  if (!pause) return ALLOWED;
  const reason = pause.reason.trim() ? `: ${pause.reason.trim()}` : "";
  return refuse(
    `Applies are paused on this Sluice server (by ${pause.by} at ${pause.at.slice(0, 16).replace("T", " ")} UTC${reason}). Nothing was applied; comment \`/apply\` again once an admin resumes them.`,
  );
}

function checkPlan(plan: PlanFacts | undefined): Decision {
  if (!plan) return refuse("there is no saved plan to apply");
  // The button belongs to the check run of one commit: a click there never applies a plan of another.
  if (plan.clickedSha !== undefined && plan.clickedSha !== plan.live.headSha) {
    return refuse(
      `the plan is stale: the button was on the check of ${short(plan.clickedSha)} but the pull request head is now ${short(plan.live.headSha)}. Use the newest \`sluice/plan\` check, or comment \`/plan\` to plan again.`,
    );
  }
  // ... and to the plans it shows: a project planned again since (other arguments, other changes)
  // or by another `/plan` was never on the check the click was read from.
  if (plan.onClickedCheck === false) {
    return refuse(
      "this plan is not the one the clicked `sluice/plan` check shows (the project was planned again since, or by another `/plan`): click Apply on the check that shows it, or comment `/apply`",
    );
  }
  if (plan.madeFor.headSha !== plan.live.headSha) {
    const [made, live] = [short(plan.madeFor.headSha), short(plan.live.headSha)];
    return refuse(
      plan.headOf === "default branch"
        ? `the default branch moved since this plan (${made} → ${live}). ${plan.replan}`
        : `the plan is stale: it was made for ${made} but the pull request head is now ${live}. ${plan.replan}`,
    );
  }
  if (plan.live.baseSha !== undefined && plan.madeFor.baseSha !== plan.live.baseSha) {
    return refuse(
      `the base branch moved since this plan (${short(plan.madeFor.baseSha ?? "")} → ${short(plan.live.baseSha)}). ${plan.replan}`,
    );
  }
  if (plan.askedBeforeHead) return writtenBeforeHead({ command: "/apply", headSha: plan.live.headSha, ...plan.askedBeforeHead }, "apply");
  if (plan.askedBeforePlan) {
    const { askedAt, plannedAt, by, notShown, shownAt, shownOn } = plan.askedBeforePlan;
    const showing = shownOn === "issue" ? "when the drift issue was updated with it" : "when its plan job ended and posted it";
    if (shownAt)
      return refuse(
        `this \`/apply\` was written at ${stamp(askedAt)}, before this plan (made at ${stamp(plannedAt)} by @\u200b${by}) was shown at ${stamp(shownAt)}, ${showing}: it never saw what it would apply. Comment \`/apply\` again to apply it.`,
      );
    if (notShown && shownOn === "issue")
      return refuse(
        `this plan was made at ${stamp(plannedAt)} by @\u200b${by}, but the drift issue was not updated with it (its update is under way, or failed), so this \`/apply\` (written at ${stamp(askedAt)}) never saw what it would apply. Wait for the issue to show it, then comment \`/apply\` again; or ${plan.replan.charAt(0).toLowerCase()}${plan.replan.slice(1)}`,
      );
    if (notShown)
      return refuse(
        `this plan was made at ${stamp(plannedAt)} by @\u200b${by}, whose plan job is still running: its comment, which shows the plan, is not posted yet (or its job ended and GitHub has not taken that comment yet), so this \`/apply\` (written at ${stamp(askedAt)}) never saw what it would apply. Wait for that comment, then comment \`/apply\` again; or ${plan.replan.charAt(0).toLowerCase()}${plan.replan.slice(1)}`,
      );
    return refuse(
      `this \`/apply\` was written at ${stamp(askedAt)}, before this plan was made at ${stamp(plannedAt)} by @\u200b${by}: it never saw what it would apply. Comment \`/apply\` again to apply it.`,
    );
  }
  if (!plan.stillPending) return refuse(`the plan was replaced or discarded while this apply waited. ${plan.replan}`);
  if (!plan.file.ok) return refuse(`${plan.file.reason}. ${plan.replan}`);
  return ALLOWED;
}

/** A comment's command older than the head it would act on: its writer never saw that commit. */
function writtenBeforeHead(asked: GateFacts["askedBeforeHead"], verb: "apply" | "change"): Decision {
  if (!asked) return ALLOWED;
  const { command, headSha, askedAt, pushedAt } = asked;
  return refuse(
    `this \`${command}\` was written at ${stamp(askedAt)}, before the head commit ${short(headSha)} was pushed at ${stamp(pushedAt)}: it never saw what it would ${verb}. Comment \`${command}\` again to ${verb === "apply" ? "apply it" : "run it"}.`,
  );
}

function checkInputs(inputs: GateFacts["inputs"], project: string): Decision {
  if (!inputs) return ALLOWED;
  if ("unreadable" in inputs) return refuse(`the outputs this plan takes from other projects could not be checked: ${inputs.unreadable}`);
  return inputs.stale.length ? refuse(describeStaleInputs(inputs.stale, project)) : ALLOWED;
}

function checkLock(lock: GateFacts["lock"]): Decision {
  if (lock.road === "pr") {
    if (lock.held) return ALLOWED;
    if (lock.heldByPr !== undefined)
      return refuse(
        `locked by #${lock.heldByPr}: the project belongs to that pull request until it merges or closes, or \`/unlock\` is commented there (one closed after an apply of it failed or was cut short keeps it until \`/unlock\`)`,
      );
    return refuse("this pull request no longer holds the project's lock (it was released). Comment `/plan` to take it again");
  }
  return lock.heldByPr === undefined
    ? ALLOWED
    : refuse(
        `#${lock.heldByPr} holds the project's lock: apply or close that pull request first (one closed after an apply of it failed or was cut short keeps it until \`/unlock\` is commented there)`,
      );
}

function checkChanged(changed: boolean | undefined): Decision {
  return changed
    ? ALLOWED
    : refuse(
        "this pull request does not change the project, so what it reviews does not cover the project's state: run it from a pull request that changes the project",
      );
}

function checkRequirementsOf(facts: GateFacts): Decision {
  const r = facts.requirements;
  if (!r) return refuse("the pull request's requirements could not be read");
  // State commands have no plan: only an agent's proposal changes how approvals are judged.
  const mode = approvalMode(facts);
  const requirements =
    mode.kind === "auto"
      ? r.requirements.filter((q) => q !== "approved")
      : mode.kind === "agent" && !r.requirements.includes("approved")
        ? [...r.requirements, "approved" as const]
        : r.requirements;
  const needed = mode.kind === "agent" ? Math.max(1, r.approvalsNeeded) : r.approvalsNeeded;
  const d = checkRequirements(
    requirements,
    needed,
    r.facts,
    { from: r.approvalsFrom, changed: r.changedSinceEarlier, counted: r.counted },
    r.codeOwners,
  );
  if (d.allowed) return d;
  const why =
    mode.kind === "agent"
      ? `the pull request was proposed by the agent @\u200b${mode.agent}: it needs a human's approval of the current commit, whatever \`auto_approve\` says`
      : mode.kind === "reviews"
        ? mode.note
        : undefined;
  return why ? refuse(...d.reasons, why) : d;
}

function checkDestroy(destroy: GateFacts["destroy"], planRules: GateFacts["planRules"]): Decision {
  if (destroy?.destroys && !destroy.allowed) return refuse(destroy.what);
  return checkDestroyRule(planRules);
}

function checkPolicies(policies: GateFacts["policies"]): Decision {
  if (!policies) return refuse("the policy checks of this plan are unknown");
  return policies.passed ? ALLOWED : refuse(describeBlocking(policies.blocking));
}

function checkWindow(window: GateFacts["window"], override: GateFacts["override"]): Decision {
  if (window.open) return ALLOWED;
  if (override?.admin) return ALLOWED;
  const opens = window.opensAt ? `; it may next be applied from ${window.opensAt}` : "";
  const denied = override ? `; \`--override-window\` is for this server's admins only, and @${override.by} is not one` : "";
  return refuse(`outside the apply window: ${window.why}${opens}${denied}`);
}

function checkDriftPause(pause: GateFacts["driftPause"]): Decision {
  return pause ? refuse(`reconciliation is paused by ${pause.actor} (${pause.reason})`) : ALLOWED;
}

/** One rule over the facts. */
export function checkRule(rule: GateRule, facts: GateFacts): Decision {
  switch (rule) {
    case "pause":
      return checkPause(facts.pause);
    case "actor":
      return facts.actorAllowed;
    case "permission":
      return facts.permission ?? ALLOWED;
    case "window":
      return checkWindow(facts.window, facts.override);
    case "verified":
      return facts.verifiedHead ?? ALLOWED;
    case "plan":
      return checkPlan(facts.plan);
    case "inputs":
      return checkInputs(facts.inputs, facts.project);
    case "changed":
      return checkChanged(facts.changedByPr);
    case "asked-before-head":
      return writtenBeforeHead(facts.askedBeforeHead, "change");
    case "lock":
      return checkLock(facts.lock);
    case "requirements":
      return checkRequirementsOf(facts);
    case "destroy":
      return checkDestroy(facts.destroy, facts.planRules);
    case "policies":
      return checkPolicies(facts.policies);
    case "drift-pause":
      return checkDriftPause(facts.driftPause);
    case "agent":
      return checkAgent(facts.agents, facts.actor);
    case "protect":
      return checkProtect(facts.planRules);
  }
}

/**
 * The rules that need no checkout, asked before anything is cloned so that a paused server or a
 * user without access gets nothing run; the full decision follows inside the run lock.
 */
export function checkBeforeCheckout(pause: PauseState | undefined, actorAllowed: Decision): Decision {
  const paused = checkPause(pause);
  return paused.allowed ? actorAllowed : paused;
}
