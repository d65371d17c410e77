import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/terraform-plans/", import.meta.url));
const FIXTURE_FILES = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .sort();

const fixtureText = (name: string): string => readFileSync(FIXTURES + name, "utf8");

function summaryOf(input: unknown): PlanSummary {
  const result = summarizePlan(input);
  if (!result.ok) throw new Error(`expected a summary, got error: ${result.error}`);
  return result.summary;
}

/** `action address` lines in summary order: one readable string per resource. */
const lines = (summary: PlanSummary): string[] => summary.resources.map((r) => `${r.action} ${r.address}`);

/** A minimal valid plan around the given parts. */
const plan = (parts: Record<string, unknown> = {}): Record<string, unknown> => ({
  format_version: "1.2",
  planned_values: { root_module: {} },
  ...parts,
});
const rc = (address: string, actions: string[], extra: Record<string, unknown> = {}) => {
  const { change, ...rest } = extra;
  return { address, mode: "managed", ...rest, change: { actions, ...(change as object | undefined) } };
};

describe("summarizePlan over every fixture", () => {
  it("finds the fixtures", () => {
    expect(FIXTURE_FILES.length).toBeGreaterThanOrEqual(26);
  });

  it.each(FIXTURE_FILES)("%s is summarized without throwing", (name) => {
    const result = summarizePlan(fixtureText(name));
    if (name === "invalid.json") {
      expect(result).toEqual({ ok: false, error: "plan is not valid JSON (error at position 15543)" });
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const s = result.summary;
    // Invariants that hold for every real plan in the folder (none has a create-then-forget).
    const count = (action: string) => s.resources.filter((r) => r.action === action).length;
    expect(s.add).toBe(count("create") + count("replace"));
    expect(s.change).toBe(count("update"));
    expect(s.destroy).toBe(count("delete") + count("replace"));
    expect(s.replace).toBe(count("replace"));
    expect(s.forget).toBe(count("forget"));
    expect(s.move).toBe(s.moves.length);
    expect(s.formatVersion).toBe(JSON.parse(fixtureText(name)).format_version);
  });
});

interface Expected {
  counts: Pick<PlanSummary, "add" | "change" | "destroy" | "replace" | "move" | "import" | "forget" | "hasChanges">;
  resources: string[];
  moves?: PlanSummary["moves"];
  outputs?: string[];
  terraformVersion?: string;
}

// Read off the JSON by hand (jq), and for tf111_* checked against the "Plan:" line terraform printed.
const EXPECTED: Record<string, Expected> = {
  "tf111_changes.json": {
    // terraform: "Plan: 4 to add, 1 to change, 3 to destroy."
    counts: { add: 4, change: 1, destroy: 3, replace: 2, move: 0, import: 0, forget: 1, hasChanges: true },
    resources: [
      "delete terraform_data.removed",
      "replace terraform_data.replaced",
      "replace terraform_data.replaced_cbd",
      'create terraform_data.created["a"]',
      'create terraform_data.created["b"]',
      "update terraform_data.updated",
      "forget terraform_data.forgotten",
      "read data.terraform_remote_state.peer",
    ],
    outputs: ["create added", "delete dropped", "update version"],
    terraformVersion: "1.11.4",
  },
  "tf111_moved.json": {
    // terraform: "Plan: 2 to import, 0 to add, 2 to change, 0 to destroy."
    counts: { add: 0, change: 2, destroy: 0, replace: 0, move: 2, import: 2, forget: 0, hasChanges: true },
    resources: ["update terraform_data.imported_changed", "update terraform_data.renamed_changed"],
    moves: [
      { from: "terraform_data.single", to: "module.box.terraform_data.single" },
      { from: "terraform_data.old_name", to: "terraform_data.new_name" },
    ],
    outputs: [],
  },
  "tf111_no_changes.json": {
    counts: { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: false },
    resources: [],
    outputs: [],
  },
  "tf111_sensitive.json": {
    counts: { add: 0, change: 1, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: ["update terraform_data.db"],
    outputs: ["update connection (sensitive)"],
  },
  "action_reason.json": {
    counts: { add: 1, change: 0, destroy: 1, replace: 1, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: ["replace null_resource.example"],
    terraformVersion: "1.15.0",
  },
  "config_resource_depends_on.json": {
    // null_resource.bar is ["delete","create"]; null_resource.foo is a no-op.
    counts: { add: 1, change: 0, destroy: 1, replace: 1, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: ["replace null_resource.bar"],
  },
  "013_module_depends_on.json": {
    counts: { add: 2, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: ["create module.foo.null_resource.resource", "create null_resource.bar", "read module.foo.data.null_data_source.data"],
    terraformVersion: "0.13.1",
  },
  "basic.json": {
    counts: { add: 7, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    // The data source sorts last although "data." < "module." alphabetically.
    resources: [
      "create module.foo.null_resource.aliased",
      "create module.foo.null_resource.foo",
      "create null_resource.bar",
      "create null_resource.baz[0]",
      "create null_resource.baz[1]",
      "create null_resource.baz[2]",
      "create null_resource.foo",
      "read data.null_data_source.baz",
    ],
    outputs: [
      "create foo (sensitive)",
      "create interpolated",
      "create interpolated_deep",
      "create list",
      "create map",
      "create referenced",
      "create referenced_deep",
      "create string",
    ],
    terraformVersion: "0.12.11",
  },
  "moved_block.json": {
    counts: { add: 0, change: 0, destroy: 0, replace: 0, move: 1, import: 0, forget: 0, hasChanges: true },
    resources: [],
    moves: [{ from: "random_id.test", to: "random_id.test2" }],
  },
  "identity.json": {
    // An update that also imports (1.12+ identity-based import).
    counts: { add: 0, change: 1, destroy: 0, replace: 0, move: 0, import: 1, forget: 0, hasChanges: true },
    resources: ["update corner_user_identity.user"],
  },
  "has_checks.json": {
    counts: { add: 2, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: ['create module.files.local_file.foo["file1.txt"]', 'create module.files.local_file.foo["file2.txt"]'],
  },
  "no_changes.json": {
    // Terraform 0.12 lists every output as "create" even when nothing changes; the summary reports
    // what the JSON says.
    counts: { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: [],
    outputs: [
      "create foo (sensitive)",
      "create interpolated",
      "create interpolated_deep",
      "create list",
      "create map",
      "create referenced",
      "create referenced_deep",
      "create string",
    ],
  },
  "actions.json": {
    // Only an action invocation (1.14+): applying does something, so it has changes.
    counts: { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, hasChanges: true },
    resources: [],
    outputs: [],
  },
};

describe("summarizePlan counts and order", () => {
  it.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    const s = summaryOf(fixtureText(name));
    const { add, change, destroy, replace, move, import: imports, forget, hasChanges } = s;
    expect({ add, change, destroy, replace, move, import: imports, forget, hasChanges }).toEqual(expected.counts);
    expect(lines(s)).toEqual(expected.resources);
    expect(s.moves).toEqual(expected.moves ?? []);
    if (expected.outputs) {
      expect(s.outputs.map((o) => `${o.action} ${o.name}${o.sensitive ? " (sensitive)" : ""}`)).toEqual(expected.outputs);
    }
    if (expected.terraformVersion) expect(s.terraformVersion).toBe(expected.terraformVersion);
  });

  it("keeps reasons, previous addresses and imports on the changes", () => {
    expect(summaryOf(fixtureText("tf111_changes.json")).resources).toContainEqual({
      address: "terraform_data.replaced",
      action: "replace",
      reason: "replace_because_cannot_update",
    });
    expect(summaryOf(fixtureText("tf111_moved.json")).resources).toEqual([
      { address: "terraform_data.imported_changed", action: "update", importing: true },
      { address: "terraform_data.renamed_changed", action: "update", previousAddress: "terraform_data.old_changed" },
    ]);
    expect(summaryOf(fixtureText("action_reason.json")).resources).toEqual([
      { address: "null_resource.example", action: "replace", reason: "replace_because_tainted" },
    ]);
  });

  it("has no terraformVersion when the plan has none", () => {
    const s = summaryOf(fixtureText("actions.json"));
    expect(s.terraformVersion).toBeUndefined();
    expect(s.formatVersion).toBe("1.2");
  });
});

describe("summarizePlan action lists", () => {
  it.each([
    { actions: ["create"], line: "create x.y", counts: { add: 1, change: 0, destroy: 0, replace: 0, forget: 0 } },
    { actions: ["update"], line: "update x.y", counts: { add: 0, change: 1, destroy: 0, replace: 0, forget: 0 } },
    { actions: ["delete"], line: "delete x.y", counts: { add: 0, change: 0, destroy: 1, replace: 0, forget: 0 } },
    {
      actions: ["delete", "create"],
      line: "replace x.y",
      counts: { add: 1, change: 0, destroy: 1, replace: 1, forget: 0 },
    },
    {
      actions: ["create", "delete"],
      line: "replace x.y",
      counts: { add: 1, change: 0, destroy: 1, replace: 1, forget: 0 },
    },
    // lifecycle destroy = false: a new object, the old one forgotten, nothing destroyed.
    {
      actions: ["create", "forget"],
      line: "replace x.y",
      counts: { add: 1, change: 0, destroy: 0, replace: 1, forget: 1 },
    },
    {
      actions: ["forget", "create"],
      line: "replace x.y",
      counts: { add: 1, change: 0, destroy: 0, replace: 1, forget: 1 },
    },
    { actions: ["forget"], line: "forget x.y", counts: { add: 0, change: 0, destroy: 0, replace: 0, forget: 1 } },
    // Unknown combinations stay visible as updates.
    { actions: ["frobnicate"], line: "update x.y", counts: { add: 0, change: 1, destroy: 0, replace: 0, forget: 0 } },
    { actions: [], line: "update x.y", counts: { add: 0, change: 1, destroy: 0, replace: 0, forget: 0 } },
  ])("$actions -> $line", ({ actions, line, counts }) => {
    const s = summaryOf(plan({ resource_changes: [rc("x.y", actions)] }));
    expect(lines(s)).toEqual([line]);
    const { add, change, destroy, replace, forget } = s;
    expect({ add, change, destroy, replace, forget }).toEqual(counts);
    expect(s.hasChanges).toBe(true);
  });

  it("does not count a read as a change", () => {
    const s = summaryOf(plan({ resource_changes: [rc("data.x.y", ["read"], { mode: "data" })] }));
    expect(lines(s)).toEqual(["read data.x.y"]);
    expect(s.hasChanges).toBe(false);
  });

  it("skips a deleted data source, as terraform does", () => {
    const s = summaryOf(plan({ resource_changes: [rc("data.x.y", ["delete"], { mode: "data" })] }));
    expect(s.resources).toEqual([]);
    expect(s.destroy).toBe(0);
    expect(s.hasChanges).toBe(false);
  });

  it("skips no-ops, and a previous_address equal to the address is not a move", () => {
    const s = summaryOf(plan({ resource_changes: [rc("x.y", ["no-op"], { previous_address: "x.y" })] }));
    expect(s.resources).toEqual([]);
    expect(s.moves).toEqual([]);
    expect(s.hasChanges).toBe(false);
  });

  it("counts an import without other changes", () => {
    const s = summaryOf(plan({ resource_changes: [rc("x.y", ["no-op"], { change: { importing: { id: "i-1" } } })] }));
    expect(s.import).toBe(1);
    expect(s.hasChanges).toBe(true);
  });

  it("suffixes deposed objects and sorts destroys first, stable within an address", () => {
    const s = summaryOf(
      plan({
        resource_changes: [
          rc("b.x", ["create"]),
          rc("a.x", ["delete", "create"]),
          rc("a.x", ["delete"], { deposed: "00aa11" }),
          rc("c.x", ["delete"], { deposed: "2" }),
          rc("c.x", ["delete"], { deposed: "1" }),
        ],
      }),
    );
    expect(lines(s)).toEqual([
      "delete a.x (deposed 00aa11)",
      "delete c.x (deposed 1)",
      "delete c.x (deposed 2)",
      "replace a.x",
      "create b.x",
    ]);
    expect(s.destroy).toBe(4);
  });

  it("keeps equal entries in input order", () => {
    const s = summaryOf(
      plan({
        resource_changes: [rc("x.y", ["update"], { action_reason: "first" }), rc("x.y", ["update"], { action_reason: "second" })],
      }),
    );
    expect(s.resources.map((r) => r.reason)).toEqual(["first", "second"]);
  });
});

describe("summarizePlan outputs", () => {
  it("skips no-ops, keeps unknown actions as updates, and reads sensitivity from every place", () => {
    const s = summaryOf(
      plan({
        output_changes: {
          same: { actions: ["no-op"], before: 1, after: 1 },
          odd: { actions: ["something-new"] },
          marked: { actions: ["update"], before: "a", after: "b", before_sensitive: false, after_sensitive: true },
          was_marked: { actions: ["delete"], before: "a", before_sensitive: true, after_sensitive: false },
          from_config: { actions: ["create"], after: "value" },
          from_values: { actions: ["create"], after: "value" },
        },
        planned_values: { outputs: { from_values: { sensitive: true, value: "value" } }, root_module: {} },
        configuration: { root_module: { outputs: { from_config: { sensitive: true } } } },
      }),
    );
    expect(s.outputs).toEqual([
      { name: "from_config", action: "create", sensitive: true },
      { name: "from_values", action: "create", sensitive: true },
      { name: "marked", action: "update", sensitive: true },
      { name: "odd", action: "update", sensitive: false },
      { name: "was_marked", action: "delete", sensitive: true },
    ]);
    expect(s.hasChanges).toBe(true);
  });
});

describe("summarizePlan sensitive values", () => {
  it("tf111_sensitive.json: variables, nested marks, numbers, outputs and multi-line values", () => {
    const s = summaryOf(fixtureText("tf111_sensitive.json"));
    for (const secret of [
      "old-Passw0rd-1111",
      "new-Passw0rd-2222",
      "73519",
      "postgres://admin-user:old-Passw0rd-1111@db.internal:5432/app",
      "postgres://admin-user:new-Passw0rd-2222@db.internal:5432/app",
      "-----BEGIN TEST KEY-----\nline-one-AAAA\nline-two-BBBB\n-----END TEST KEY-----\n",
      // terraform prints a multi-line value line by line
      "line-one-AAAA",
      "line-two-BBBB",
    ]) {
      expect(s.sensitiveValues).toContain(secret);
    }
    // Beside the marked password, not marked themselves.
    expect(s.sensitiveValues).not.toContain("admin-user");
    expect(s.sensitiveValues).not.toContain("eu-west-1");
  });

  it("tf111_sensitive.json: covers the old password terraform 1.11 prints unmarked", () => {
    // terraform_data.output echoes input without its mark, and `terraform plan` printed
    // `- password = "old-Passw0rd-1111"` in clear: only value-based redaction catches it.
    const json = JSON.parse(fixtureText("tf111_sensitive.json"));
    const db = json.resource_changes.find((r: { address: string }) => r.address === "terraform_data.db");
    expect(db.change.before_sensitive.output).toEqual({});
    expect(summaryOf(json).sensitiveValues).toContain(db.change.before.output.password);
  });

  it("basic-plan-0.15.json: sensitive attribute, output and variable", () => {
    expect(summaryOf(fixtureText("basic-plan-0.15.json")).sensitiveValues).toEqual(["boop"]);
  });

  it.each(["basic.json", "110_basic.json", "110_sensitive_values.json", "120_basic.json", "has_changes.json"])(
    "%s: the sensitive output 'bar' is below the noise threshold",
    (name) => {
      const s = summaryOf(fixtureText(name));
      expect(s.outputs.find((o) => o.name === "foo")?.sensitive).toBe(true);
      expect(s.sensitiveValues).toEqual([]);
    },
  );

  it("has_checks.json: a sensitive attribute that is null gives nothing", () => {
    expect(summaryOf(fixtureText("has_checks.json")).sensitiveValues).toEqual([]);
  });

  // An independent, deliberately naive oracle: anywhere in the document, a key and its marks
  // sibling (before/before_sensitive, values/sensitive_values, …), outputs flagged sensitive, and
  // root variables declared sensitive. Whatever it finds, the summary must have.
  it.each(FIXTURE_FILES.filter((name) => name !== "invalid.json"))("%s: misses no marked value", (name) => {
    const json = JSON.parse(fixtureText(name));
    const expected = naiveSensitiveValues(json);
    const actual = summaryOf(json).sensitiveValues;
    for (const value of expected) expect(actual).toContain(value);
  });

  it("walks every source in the plan", () => {
    const s = summaryOf(
      plan({
        resource_changes: [
          rc("x.y", ["update"], {
            change: {
              before: { list: ["keep-me-1", "not-secret"], n: 123456, flag: true, short: "abc" },
              after: { list: ["keep-me-2"], obj: { deep: { key: "keep-me-3" } }, missing: "x" },
              before_sensitive: { list: [true, false], n: true, flag: true, short: true, absent: true },
              after_sensitive: { list: [true], obj: true, missing: { nested: true } },
            },
          }),
        ],
        resource_drift: [{ change: { after: "drifted-secret", after_sensitive: true } }],
        deferred_changes: [{ resource_change: { change: { after: { a: "deferred-secret" }, after_sensitive: { a: true } } } }],
        action_invocations: [{ config_values: { token: "action-secret", name: "public" }, config_sensitive: { token: true } }],
        variables: { pw: { value: { nested: ["variable-secret"] } }, open: { value: "public-variable" } },
        configuration: { root_module: { variables: { pw: { sensitive: true }, open: {} } } },
        prior_state: {
          values: {
            outputs: {
              o: { sensitive: true, value: "prior-output-secret" },
              p: { sensitive: false, value: "public-out" },
            },
            root_module: {
              child_modules: [{ child_modules: [{ resources: [{ values: { k: "child-secret" }, sensitive_values: { k: true } }] }] }],
            },
          },
        },
        planned_values: {
          root_module: { resources: [{ values: { k: "planned-secret" }, sensitive_values: { k: true } }] },
        },
      }),
    );
    expect([...s.sensitiveValues].sort()).toEqual(
      [
        "123456",
        "action-secret",
        "child-secret",
        "deferred-secret",
        "drifted-secret",
        "keep-me-1",
        "keep-me-2",
        "keep-me-3",
        "planned-secret",
        "prior-output-secret",
        "variable-secret",
      ].sort(),
    );
  });

  it("skips noise, deduplicates, and sorts longest first", () => {
    const s = summaryOf(
      plan({
        output_changes: {
          o: {
            actions: ["create"],
            after: ["true", "null", "false", "    ", " ab ", "a-secret", "a-secret", "the-longest-secret", 1.5, null, false],
            after_sensitive: true,
          },
        },
      }),
    );
    expect(s.sensitiveValues).toEqual(["the-longest-secret", "a-secret"]);
  });
});

describe("summarizePlan on input that is not a plan", () => {
  it.each<[string, unknown, RegExp]>([
    ["unterminated JSON", "{", /^plan is not valid JSON \(error at position 1\)$/],
    ["empty text", "", /^plan is not valid JSON \(unexpected end of input\)$/],
    ["JSON null", "null", /must be an object, got null/],
    ["JSON array", "[]", /must be an object, got an array/],
    ["a number", 42, /must be an object, got a number/],
    ["JSON number text", "42", /must be an object, got a number/],
    ["undefined", undefined, /must be an object, got a undefined/],
    ["an empty object", {}, /format_version is missing/],
    ["state JSON", { format_version: "1.0", values: { root_module: {} } }, /planned_values is missing/],
    ["empty state JSON", { format_version: "1.0" }, /planned_values is missing/],
    ["format_version as a number", plan({ format_version: 1.2 }), /at format_version: .*expected string/],
    ["a future major format", plan({ format_version: "2.0" }), /unsupported plan format_version "2.0"/],
    ["resource_changes as a string", plan({ resource_changes: "nope" }), /at resource_changes: .*expected array/],
    ["a change without change", plan({ resource_changes: [{ address: "a.b" }] }), /at resource_changes\[0\]\.change: /],
    [
      "actions as a string",
      plan({ resource_changes: [{ address: "a.b", change: { actions: "create" } }] }),
      /at resource_changes\[0\]\.change\.actions: .*expected array/,
    ],
    [
      "an address as a number",
      plan({ resource_changes: [rc("a", ["create"]), { address: 7, change: { actions: [] } }] }),
      /at resource_changes\[1\]\.address/,
    ],
    ["output actions missing", plan({ output_changes: { "my out": {} } }), /at output_changes\["my out"\]\.actions/],
    ["importing as true", plan({ resource_changes: [rc("a.b", ["no-op"], { change: { importing: true } })] }), /importing/],
  ])("%s -> ok:false", (_label, input, message) => {
    const result = summarizePlan(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it("never quotes the input in a syntax error", () => {
    const result = summarizePlan('{"password": hunter2-secret}');
    expect(result).toEqual({ ok: false, error: "plan is not valid JSON" });
  });

  it.each<[string, unknown]>([
    ["no resource_changes", plan()],
    ["null resource_changes", plan({ resource_changes: null, output_changes: null })],
    ["only resource_changes", { format_version: "0.1", resource_changes: [] }],
  ])("%s -> an empty summary", (_label, input) => {
    expect(summaryOf(input)).toEqual({
      add: 0,
      change: 0,
      destroy: 0,
      replace: 0,
      move: 0,
      import: 0,
      forget: 0,
      resources: [],
      moves: [],
      outputs: [],
      hasChanges: false,
      sensitiveValues: [],
      formatVersion: (input as { format_version: string }).format_version,
    });
  });

  it("survives absurd nesting without throwing", () => {
    let deep: unknown = "deep-secret";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const s = summaryOf(plan({ output_changes: { o: { actions: ["create"], after: deep, after_sensitive: true } } }));
    expect(s.sensitiveValues).toEqual(["deep-secret"]);

    let modules: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) modules = { child_modules: [modules] };
    expect(summarizePlan(plan({ planned_values: { root_module: modules } }))).toEqual({
      ok: false,
      error: "plan JSON is nested too deeply",
    });
  });

  it("never throws on arbitrary JSON, nor on plans with random resource_changes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = summarizePlan(value);
        const text = summarizePlan(JSON.stringify(value));
        return typeof result.ok === "boolean" && typeof text.ok === "boolean";
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => typeof summarizePlan(text).ok === "boolean"),
      { numRuns: 300 },
    );
    const actions = fc.array(fc.constantFrom("create", "update", "delete", "read", "no-op", "forget", "odd"), {
      maxLength: 3,
    });
    const change = fc.record(
      {
        actions,
        before: fc.jsonValue(),
        after: fc.jsonValue(),
        before_sensitive: fc.jsonValue(),
        after_sensitive: fc.jsonValue(),
      },
      { requiredKeys: ["actions"] },
    );
    const resource = fc.record(
      {
        address: fc.string(),
        previous_address: fc.string(),
        deposed: fc.string(),
        mode: fc.constantFrom("managed", "data"),
        change,
      },
      { requiredKeys: ["address", "change"] },
    );
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 8 }), (resourceChanges) => {
        const result = summarizePlan(plan({ resource_changes: resourceChanges }));
        if (!result.ok) return false;
        const s = result.summary;
        return s.move === s.moves.length && s.resources.length + s.moves.length <= resourceChanges.length;
      }),
      { numRuns: 300 },
    );
  });
});

/** See "misses no marked value": a plain recursive scan, independent of the implementation. */
function naiveSensitiveValues(json: unknown): string[] {
  const out: string[] = [];
  const all = (value: unknown): void => {
    if (typeof value === "string" || typeof value === "number") {
      const text = String(value);
      if (text.trim().length >= 4 && !["true", "false", "null"].includes(text)) out.push(text);
    } else if (value && typeof value === "object") {
      for (const child of Object.values(value)) all(child);
    }
  };
  const marked = (value: unknown, mark: unknown): void => {
    if (mark === true) {
      all(value);
      return;
    }
    if (mark && typeof mark === "object" && value && typeof value === "object") {
      for (const [key, child] of Object.entries(mark)) marked((value as Record<string, unknown>)[key], child);
    }
  };
  const pairs: [string, string][] = [
    ["before", "before_sensitive"],
    ["after", "after_sensitive"],
    ["values", "sensitive_values"],
    ["config_values", "config_sensitive"],
  ];
  const scan = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    for (const [valueKey, markKey] of pairs) if (markKey in record) marked(record[valueKey], record[markKey]);
    if (record.sensitive === true && "value" in record) all(record.value);
    for (const child of Object.values(record)) scan(child);
  };
  scan(json);
  const root = json as {
    variables?: Record<string, { value?: unknown }>;
    configuration?: { root_module?: { variables?: Record<string, { sensitive?: boolean }> } };
  };
  for (const [name, variable] of Object.entries(root.variables ?? {})) {
    if (root.configuration?.root_module?.variables?.[name]?.sensitive === true) all(variable.value);
  }
  return out;
}
