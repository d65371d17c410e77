import { describe, expect, it } from "vitest";
import { parsePlanJson } from "../../runners/terraform/parse-plan-json.js";
import { plannedOutputs } from "../../runners/terraform/planned-outputs.js";
import { resourceDetails } from "../../runners/terraform/resource-details.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";

// What the gate reads of a plan is `terraform show -json`, the sandbox's output: a provider the PR
// ships can write into it (docs/known-gaps.md), and JSON.parse builds any depth. summarizePlan is
// "pure; never throws", but comparing an updated attribute nested 20,000 deep threw a RangeError
// out of the runner, and the whole plan job failed with it (no project's result posted).

const deep = (n: number, leaf: string) => `${"[".repeat(n)}${leaf}${"]".repeat(n)}`;
const deepMark = (n: number) => `${'{"a":'.repeat(n)}true${"}".repeat(n)}`;

function planWith(before: string, after: string, marks = "{}", unknownOutput = "false"): string {
  return `{"format_version":"1.2","planned_values":{},
    "resource_changes":[{"address":"terraform_data.x","mode":"managed","type":"terraform_data","name":"x",
      "change":{"actions":["update"],"before":{"input":${before},"id":"i"},"after":{"input":${after},"id":"i"},
        "after_unknown":{},"before_sensitive":${marks},"after_sensitive":${marks}}}],
    "output_changes":{"o":{"actions":["update"],"before":null,"after":null,"after_unknown":${unknownOutput},"before_sensitive":false,"after_sensitive":false}}}`;
}

describe("a plan's JSON nested past the stack", () => {
  it("summarizes: the deep attribute counts as changed, nothing throws", () => {
    const r = summarizePlan(planWith(deep(20_000, "1"), deep(20_000, "2")));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.summary.changedAttributes).toEqual({ "terraform_data.x": ["input"] });
  });

  it("its outputs and resource details are read too: deep unknown and sensitive marks, deep values", () => {
    const parsed = parsePlanJson(planWith(deep(20_000, "1"), deep(20_000, "2"), `{"input":${deepMark(20_000)}}`, deep(20_000, "true")));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(plannedOutputs(parsed.plan).o).toMatchObject({ known: false });
    const details = resourceDetails(parsed.plan, (t) => t);
    expect(details[0]?.attributes).toEqual([{ name: "input", before: "(sensitive)", after: "(sensitive)" }]);
    const unmarked = parsePlanJson(planWith(deep(20_000, "1"), deep(20_000, "2")));
    if (!unmarked.ok) throw new Error(unmarked.error);
    expect(resourceDetails(unmarked.plan, (t) => t)[0]?.attributes[0]).toMatchObject({
      name: "input",
      after: "(nested too deeply to show)",
    });
  });

  it("control: an ordinary update lists only what changed, with its values", () => {
    const r = summarizePlan(planWith('["a"]', '["b"]'));
    expect(r.ok && r.summary.changedAttributes).toEqual({ "terraform_data.x": ["input"] });
    const same = summarizePlan(planWith('["a"]', '["a"]'));
    expect(same.ok && same.summary.changedAttributes).toEqual({ "terraform_data.x": [] });
    const parsed = parsePlanJson(planWith('["a"]', '["b"]'));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(resourceDetails(parsed.plan, (t) => t)[0]?.attributes).toEqual([{ name: "input", before: '["a"]', after: '["b"]' }]);
    expect(plannedOutputs(parsed.plan).o).toMatchObject({ known: true });
  });
});
