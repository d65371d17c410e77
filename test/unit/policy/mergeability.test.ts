import { describe, expect, it } from "vitest";
import type { MergeBlockers, StatusCheck } from "../../../src/model/pull-request.js";
import { mergeability } from "../../../src/policy/mergeability.js";

const HEAD = "a".repeat(40);
const blocked = { mergeable: true, mergeableState: "blocked", draft: false, headSha: HEAD, htmlUrl: "https://github.test/acme/x/pull/1" };
const sluiceApply: StatusCheck = { kind: "check", name: "sluice/apply", state: "pending", said: "in_progress", required: true, own: true };
const sluicePlan: StatusCheck = { kind: "check", name: "sluice/plan", state: "passing", said: "success", required: true, own: true };
const jenkins = (state: StatusCheck["state"], said: string, required?: boolean): StatusCheck => ({
  kind: "status",
  name: "ci/jenkins",
  state,
  said,
  own: false,
  ...(required === undefined ? {} : { required }),
});
const rollup = (checks: StatusCheck[], more: Partial<MergeBlockers> = {}): MergeBlockers => ({
  reviewDecision: null,
  headSha: HEAD,
  checks,
  more: false,
  ...more,
});

describe("mergeability: GitHub's, less Sluice's own checks", () => {
  it("a PR blocked for want of the reviews branch protection requires is not mergeable, whatever the checks", () => {
    expect(mergeability(blocked, rollup([sluiceApply], { reviewDecision: "REVIEW_REQUIRED" }))).toEqual({
      ok: false,
      why: "it lacks the approving reviews its base branch's protection requires",
    });
    expect(mergeability(blocked, rollup([sluiceApply], { reviewDecision: "CHANGES_REQUESTED" }))).toEqual({
      ok: false,
      why: "a reviewer requested changes (branch protection)",
    });
  });

  it("control: blocked only by Sluice's own pending (or failed) required check, with the reviews given or none required, it is", () => {
    expect(mergeability(blocked, rollup([sluiceApply], { reviewDecision: "APPROVED" }))).toEqual({ ok: true });
    expect(mergeability(blocked, rollup([sluicePlan, sluiceApply]))).toEqual({ ok: true });
    expect(mergeability(blocked, rollup([{ ...sluiceApply, state: "failing", said: "failure" }]))).toEqual({ ok: true });
    // A passing status, or a failing one branch protection does not require, is no block.
    expect(mergeability(blocked, rollup([sluiceApply, jenkins("passing", "success", true), jenkins("failing", "failure", false)]))).toEqual(
      {
        ok: true,
      },
    );
  });

  it("a required commit status (Status API) that failed or is pending refuses, naming it", () => {
    expect(mergeability(blocked, rollup([sluiceApply, jenkins("failing", "failure", true)]))).toEqual({
      ok: false,
      why: "required status `ci/jenkins` (failure) has not passed",
    });
    expect(mergeability(blocked, rollup([sluiceApply, jenkins("pending", "pending", true)]))).toEqual({
      ok: false,
      why: "required status `ci/jenkins` (pending) has not passed",
    });
  });

  it("where GitHub does not say what is required, any other check not passing refuses", () => {
    const queued: StatusCheck = { kind: "check", name: "ci/test", state: "pending", said: "queued", own: false };
    expect(mergeability(blocked, rollup([sluiceApply, queued], { reviewDecision: "APPROVED" }))).toEqual({
      ok: false,
      why: "check `ci/test` (queued) has not passed",
    });
    expect(mergeability(blocked, rollup([sluiceApply, queued, jenkins("failing", "error")]))).toEqual({
      ok: false,
      why: "check `ci/test` (queued), status `ci/jenkins` (error) have not passed",
    });
  });

  it("a `sluice/` check of another app, or a `sluice/` status, is not Sluice's own: it neither hides nor explains a block", () => {
    const fake: StatusCheck = { kind: "status", name: "sluice/apply", state: "pending", said: "pending", required: true, own: false };
    expect(mergeability(blocked, rollup([fake]))).toEqual({ ok: false, why: "required status `sluice/apply` (pending) has not passed" });
    // Not required, it explains nothing: the block is one Sluice cannot see.
    expect(mergeability(blocked, rollup([{ ...fake, required: false }]))).toMatchObject({
      ok: false,
      why: expect.stringContaining("a branch rule Sluice cannot see"),
    });
  });

  it("blocked with nothing Sluice can see that explains it (a required check never reported, say) refuses, pointing to the PR's page", () => {
    expect(mergeability(blocked, rollup([sluicePlan, jenkins("passing", "success", true)]))).toEqual({
      ok: false,
      why: "GitHub shows it blocked by a branch rule Sluice cannot see (a required check that has not reported yet, signed commits, resolved conversations or a deployment, say): the merge box on https://github.test/acme/x/pull/1 says which",
    });
    // Sluice's own check that branch protection does not require explains nothing either.
    expect(mergeability(blocked, rollup([{ ...sluiceApply, required: false }]))).toMatchObject({ ok: false });
    expect(mergeability(blocked, rollup([]))).toMatchObject({ ok: false });
  });

  it("a check the base branch's rules require that has not reported refuses, naming it, though Sluice's own check is pending", () => {
    expect(mergeability(blocked, rollup([sluiceApply], { required: ["sluice/apply", "ci/build", "ci/e2e"] }))).toEqual({
      ok: false,
      why: "the base branch requires checks `ci/build`, `ci/e2e`, not reported on its head commit yet",
    });
    // A passing run of that name that GitHub does not count as the required one (another app's: a
    // workflow job named like the required Jenkins check) is not it.
    const impostor: StatusCheck = { kind: "check", name: "ci/build", state: "passing", said: "success", required: false, own: false };
    expect(mergeability(blocked, rollup([sluiceApply, impostor], { required: ["sluice/apply", "ci/build"] }))).toEqual({
      ok: false,
      why: "the base branch requires check `ci/build`, not reported on its head commit yet",
    });
    // Control: reported (and passing), only Sluice's own check holds it.
    expect(
      mergeability(blocked, rollup([sluiceApply, jenkins("passing", "success", true)], { required: ["sluice/apply", "ci/jenkins"] })),
    ).toEqual({
      ok: true,
    });
  });

  it("where GitHub does not say what is required, a required check bound to one app is reported only by that app's run", () => {
    // A GitHub Enterprise Server without isRequired: classic protection expects `ci/build` from
    // Jenkins' app (id 42); the PR's own workflow job so named passed, Jenkins never reported.
    const own = { ...sluiceApply, required: undefined };
    const impostor: StatusCheck = { kind: "check", name: "ci/build", state: "passing", said: "success", own: false, appId: 7 };
    const required = { required: ["sluice/apply", "ci/build"], requiredApps: { "ci/build": 42 } };
    expect(mergeability(blocked, rollup([own, impostor], required))).toEqual({
      ok: false,
      why: "the base branch requires check `ci/build`, not reported on its head commit yet",
    });
    // A status of that name is not it either.
    const status: StatusCheck = { kind: "status", name: "ci/build", state: "passing", said: "success", own: false };
    expect(mergeability(blocked, rollup([own, status], required))).toMatchObject({ ok: false });
    // Control: Jenkins' own run reported (and passed); and a check bound to no app, reported by any.
    expect(mergeability(blocked, rollup([own, { ...impostor, appId: 42 }], required))).toEqual({ ok: true });
    expect(mergeability(blocked, rollup([own, status], { required: ["sluice/apply", "ci/build"] }))).toEqual({ ok: true });
  });

  it("more checks than one page, a head that moved, or nothing read: refused, saying so", () => {
    expect(mergeability(blocked, rollup([sluiceApply], { more: true }))).toMatchObject({
      ok: false,
      why: expect.stringContaining("more than 1000 checks and statuses"),
    });
    expect(mergeability(blocked, rollup([sluiceApply], { headSha: "b".repeat(40) }))).toMatchObject({
      ok: false,
      why: expect.stringContaining("its head moved"),
    });
    expect(mergeability(blocked)).toMatchObject({ ok: false });
  });

  it("control: a clean PR needs nothing read; drafts, conflicts and behind branches refuse as before", () => {
    expect(mergeability({ ...blocked, mergeableState: "clean" })).toEqual({ ok: true });
    expect(mergeability({ ...blocked, mergeableState: "unstable" })).toEqual({ ok: true });
    expect(mergeability({ ...blocked, draft: true })).toEqual({ ok: false, why: "it is a draft" });
    expect(mergeability({ ...blocked, mergeableState: "dirty" })).toEqual({ ok: false, why: "it has merge conflicts" });
    expect(mergeability({ ...blocked, mergeableState: "behind" })).toEqual({ ok: false, why: "it is behind its base branch" });
  });
});
