import { describe, expect, it } from "vitest";
import type { Job } from "../../../src/model/job.js";
import { queuedBySluice } from "../../../src/jobs/queued-by-sluice.js";

const job = (deliveryId: string, actor: string) =>
  ({ deliveryId, spec: { kind: "plan", trigger: "autoplan", actor } }) as Pick<Job, "deliveryId" | "spec">;

describe("queuedBySluice: a job no person asked for", () => {
  it("an autoplan Sluice queued in its own name (a lock released)", () => {
    expect(queuedBySluice(job("sluice-internal-7d0c", "sluice"))).toBe(true);
  });

  it.each([
    ["a delivery from GitHub of a user whose login is sluice", job("72d3162e-cc78-11e3-81ab-4c9367dc0958", "sluice")],
    ["a job Sluice queued for a person (a preview following bob's push)", job("sluice-internal-7d0c", "bob")],
  ])("control: %s is a person's", (_, j) => {
    expect(queuedBySluice(j)).toBe(false);
  });
});
