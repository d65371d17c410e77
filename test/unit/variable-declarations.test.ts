import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readVariableDeclarations } from "../../runners/terraform/read-variable-declarations.js";
import { isOverrideFile, mergeDeclarations, variablesInHcl, variablesInJson } from "../../runners/terraform/variable-declarations.js";
import { type HclParser, hclParser } from "../../runners/terragrunt/parse-terragrunt-hcl.js";

/** HCL's template start, kept out of JS string literals that look like templates. */
const T = "$" + "{";
let parser: HclParser;
let root = "";
beforeAll(async () => {
  parser = await hclParser();
  root = await mkdtemp(join(tmpdir(), "sluice-vars-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("variablesInHcl", () => {
  it("reads each variable's literal sensitive attribute, quoted or bare label", () => {
    const text = [
      'variable "token" {\n  type      = string\n  sensitive = true # secret\n}',
      "variable plain {\n  sensitive = false\n}",
      'variable "computed" {\n  sensitive = local.flag\n}',
      'variable "bare" {}',
      '# variable "commented" { sensitive = true }',
      'resource "terraform_data" "x" {\n  input = "variable \\"fake\\" { sensitive = true }"\n}',
    ].join("\n");
    const r = variablesInHcl(parser, text);
    expect(r.ok && Object.fromEntries(r.variables)).toEqual({
      token: { sensitive: true },
      plain: { sensitive: false },
      computed: { sensitive: false },
      bare: {},
    });
    expect(r.ok && r.unmarking).toEqual([]);
  });

  it("finds nonsensitive(), can() and try() calls anywhere, templates and heredocs included, not in comments or plain strings", () => {
    const calls = [
      "locals {\n  a = nonsensitive(var.t)\n}",
      `locals {\n  a = "${T}can(var.t)}"\n}`,
      `locals {\n  a = <<EOT\n${T}try(var.t, 1)}\nEOT\n}`,
      "locals {\n  a = core::nonsensitive(var.t)\n}",
    ];
    expect(
      calls.map((t) => {
        const r = variablesInHcl(parser, t);
        return r.ok && r.unmarking;
      }),
    ).toEqual([["nonsensitive"], ["can"], ["try"], ["nonsensitive"]]);
    const quiet = variablesInHcl(parser, '# can(x) and try(y)\nlocals {\n  a = "nonsensitive(x) in a string"\n}');
    expect(quiet.ok && quiet.unmarking).toEqual([]);
  });

  it("finds every read of a terraform_data (its output echoes a sensitive input unmarked once applied), not a reference that only names it", () => {
    const reads = [
      'output "o" {\n  value = join("-", split("", terraform_data.pw.output))\n}',
      `locals {\n  a = "${T}terraform_data.pw["k"].output}"\n}`,
      "locals {\n  a = jsonencode(terraform_data.pw)\n}",
      `resource "terraform_data" "pw" {\n  input = var.t\n  provisioner "local-exec" {\n    command = "echo ${T}self.output}"\n  }\n}`,
    ];
    expect(
      reads.map((t) => {
        const r = variablesInHcl(parser, t);
        return r.ok && r.unmarking;
      }),
    ).toEqual([["terraform_data.pw.output"], ['terraform_data.pw["k"]'], ["terraform_data.pw"], ["self.output"]]);
    // Control: naming the resource reads nothing of it.
    const named = [
      'resource "terraform_data" "pw" {\n  input = var.t\n  depends_on = [terraform_data.a]\n}',
      'resource "terraform_data" "b" {\n  lifecycle {\n    replace_triggered_by = [terraform_data.pw]\n  }\n}',
      "moved {\n  from = terraform_data.a\n  to   = terraform_data.pw\n}",
      'resource "terraform_data" "c" {\n  input = var.t\n  lifecycle {\n    postcondition {\n      condition     = self.input != ""\n      error_message = "empty"\n    }\n  }\n}',
      `resource "null_resource" "d" {\n  provisioner "local-exec" {\n    command = "echo ${T}self.id}"\n  }\n}`,
    ].join("\n");
    const quiet = variablesInHcl(parser, named);
    expect(quiet.ok && quiet.unmarking).toEqual([]);
    const json = variablesInJson(
      `{"output": {"o": {"value": "${T}upper(terraform_data.pw.output)}"}}, "resource": {"x": {"depends_on": ["terraform_data.pw"]}}}`,
    );
    expect(json.ok && json.unmarking).toEqual(["terraform_data.pw.output"]);
  });

  it("a syntax error is reported, never guessed around", () => {
    expect(variablesInHcl(parser, 'variable "x" {\n  sensitive = \n')).toEqual({ ok: false, error: "has an HCL syntax error" });
  });
});

describe("variablesInJson and override files", () => {
  it("reads .tf.json declarations and any call-like text", () => {
    const r = variablesInJson(`{"variable": {"t": {"sensitive": true}, "u": {}}, "output": {"o": {"value": "${T}try(var.t, 1)}"}}}`);
    expect(r.ok && Object.fromEntries(r.variables)).toEqual({ t: { sensitive: true }, u: {} });
    expect(r.ok && r.unmarking).toEqual(["try"]);
    expect(variablesInJson("{")).toEqual({ ok: false, error: "is not valid JSON" });
  });

  it("an override file changes sensitive as terraform merges it, and declares nothing new", () => {
    expect(["override.tf", "x_override.tf", "override.tf.json", "a_override.tf.json"].every(isOverrideFile)).toBe(true);
    expect(["main.tf", "overrides.tf", "my-override.tf"].some(isOverrideFile)).toBe(false);
    const merged = mergeDeclarations(
      new Map<string, Map<string, { sensitive?: boolean }>>([
        [
          "app/main.tf",
          new Map([
            ["t", { sensitive: true }],
            ["u", {}],
          ]),
        ],
        [
          "app/z_override.tf",
          new Map([
            ["t", { sensitive: false }],
            ["new", { sensitive: true }],
          ]),
        ],
      ]),
    );
    expect(Object.fromEntries(merged)).toEqual({
      t: { sensitive: false, file: "app/z_override.tf" },
      u: { sensitive: false, file: "app/main.tf" },
    });
  });
});

describe("readVariableDeclarations", () => {
  it("reads the root module's variables and unmarking calls there and in local modules, transitively", async () => {
    const files: Record<string, string> = {
      "app/main.tf": 'variable "token" {\n  sensitive = true\n}\nmodule "m" {\n  source = "../mods/m"\n  t = var.token\n}\n',
      "app/extra.tf.json": '{"variable": {"other": {}}}',
      "mods/m/main.tf": 'variable "t" {}\nmodule "n" {\n  source = "./n"\n}\nmodule "r" {\n  source = "hashicorp/x/y"\n}\n',
      "mods/m/n/main.tf": 'output "o" {\n  value = try(1, 2)\n}\n',
      "unrelated/main.tf": "locals {\n  a = nonsensitive(1)\n}\n",
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), text);
    }
    const r = await readVariableDeclarations(root, "app");
    expect(r).toEqual({
      ok: true,
      variables: new Map([
        ["other", { sensitive: false, file: "app/extra.tf.json" }],
        ["token", { sensitive: true, file: "app/main.tf" }],
      ]),
      unmarking: ["`mods/m/n/main.tf`: try()"],
    });
    expect(await readVariableDeclarations(root, "nope")).toEqual({ ok: false, error: "`nope` cannot be read" });
  });
});
