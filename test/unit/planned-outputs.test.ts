import { describe, expect, it } from "vitest";
import { valueArgs } from "../../runners/helm/helm-argv.js";
import { parseOutputJson, plannedOutputs } from "../../runners/terraform/planned-outputs.js";
import { planJsonSchema } from "../../runners/terraform/plan-json-schema.js";

// The producer's side of outputs between projects: what a plan says its outputs will be, what
// `output -json` says they are, and how a value reaches helm.

const plan = (output_changes: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  planJsonSchema.parse({ format_version: "1.2", output_changes, ...extra });

describe("plannedOutputs", () => {
  it("known, known after apply (also partly), sensitive, unchanged ones too; deleted ones gone", () => {
    const outputs = plannedOutputs(
      plan(
        {
          tag: { actions: ["no-op"], before: "v1", after: "v1", after_unknown: false },
          vpc: { actions: ["create"], after_unknown: true },
          ids: { actions: ["update"], before: ["a"], after: ["a", null], after_unknown: [false, true] },
          token: { actions: ["create"], after: "t", after_unknown: false, after_sensitive: true },
          old: { actions: ["delete"], before: "x", after: null },
          flagged: { actions: ["create"], after: "f", after_unknown: false },
        },
        { configuration: { root_module: { outputs: { flagged: { sensitive: true } } } } },
      ),
    );
    expect(outputs).toEqual({
      tag: { value: "v1", known: true, sensitive: false },
      vpc: { value: undefined, known: false, sensitive: false },
      ids: { value: undefined, known: false, sensitive: false },
      token: { value: "t", known: true, sensitive: true },
      flagged: { value: "f", known: true, sensitive: true },
    });
  });
});

describe("parseOutputJson", () => {
  it("reads terraform output -json", () => {
    const text = JSON.stringify({
      a: { sensitive: false, type: "string", value: "x" },
      s: { sensitive: true, type: "string", value: "y" },
    });
    expect(parseOutputJson(text)).toEqual({
      ok: true,
      outputs: { a: { value: "x", known: true, sensitive: false }, s: { value: "y", known: true, sensitive: true } },
    });
    expect(parseOutputJson("{}")).toEqual({ ok: true, outputs: {} });
  });
  it("never quotes what it could not read (it may hold secrets)", () => {
    const bad = parseOutputJson("not json s3cret");
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain("s3cret");
    expect(parseOutputJson('["s3cret"]').ok).toBe(false);
  });
});

describe("helm values from outputs", () => {
  it("each is one --set-json of its JSON text, after the config's own values: no second assignment, flag or path", () => {
    const args = valueArgs({ values: [], set: { a: "x" }, setJson: { "image.tag": "v2,evil=1 --set x=y", list: [1, "b"], n: null } });
    expect(args).toEqual([
      "--set-literal",
      "a=x",
      "--set-json",
      'image.tag="v2,evil=1 --set x=y"',
      "--set-json",
      'list=[1,"b"]',
      "--set-json",
      "n=null",
    ]);
  });
});
