import { describe, expect, it } from "vitest";
import { findModuleSources, findModuleSourcesInJson } from "../../runners/terraform/find-module-sources.js";

describe("findModuleSources", () => {
  it.each<[string, string, string[]]>([
    ["one local module", `module "vpc" {\n  source = "../../modules/vpc"\n}\n`, ["../../modules/vpc"]],
    ["./ source", `module "a" {\n  source = "./a"\n  cidr = "10.0.0.0/16"\n}`, ["./a"]],
    [
      "several modules, dedupe, order kept",
      `module "a" {\n source = "./a"\n}\nmodule "b" {\n source = "../b"\n}\nmodule "a2" {\n source = "./a"\n}`,
      ["./a", "../b"],
    ],
    ["single-line block", `module "a" { source = "./a" }`, ["./a"]],
    ["extra spacing and CRLF", `module   "a"   {\r\n\tsource\t=\t"./a"\r\n}\r\n`, ["./a"]],
    ["unquoted label (HCL allows identifiers)", `module a {\n source = "./a"\n}`, ["./a"]],
    ["trailing comment after source", `module "a" {\n source = "./a" # local\n}`, ["./a"]],
    [
      "source after other attributes and nested blocks",
      `module "a" {\n  providers = {\n    aws = aws.eu\n  }\n  depends_on = [module.b]\n  source = "./a"\n}`,
      ["./a"],
    ],
    ["registry source", `module "a" {\n source = "terraform-aws-modules/vpc/aws"\n version = "5.0.0"\n}`, []],
    ["git source", `module "a" {\n source = "git::https://example.com/vpc.git//modules/x?ref=v1"\n}`, []],
    ["github shorthand", `module "a" {\n source = "github.com/org/repo//x"\n}`, []],
    ["absolute path is not a local source", `module "a" {\n source = "/abs/x"\n}`, []],
    ["bare dot is not a local source", `module "a" {\n source = "."\n}`, []],
    ["hash comment", `# module "a" {\n#   source = "./a"\n# }\n`, []],
    ["slash comment", `// module "a" { source = "./a" }\n`, []],
    ["block comment", `/*\nmodule "a" {\n  source = "./a"\n}\n*/\nmodule "b" {\n source = "./b"\n}`, ["./b"]],
    ["unterminated block comment", `/* module "a" {\n source = "./a"\n}`, []],
    [
      "module text inside a heredoc",
      `locals {\n  doc = <<EOT\nmodule "a" {\n  source = "./a"\n}\nEOT\n}\nmodule "b" {\n source = "./b"\n}`,
      ["./b"],
    ],
    ["indented heredoc", `locals {\n  doc = <<-EOT\n    module "a" {\n      source = "./a"\n    }\n    EOT\n}`, []],
    ["module text inside a string", `locals {\n  s = "module \\"a\\" { source = \\"./a\\" }"\n}`, []],
    ["comment markers inside a string", `module "a" {\n source = "./a#b//c"\n}`, ["./a#b//c"]],
    ["templated source is skipped", `module "a" {\n source = "./\${var.x}"\n}`, []],
    ["escaped template is literal", `module "a" {\n source = "./$\${x}"\n}`, ["./$" + "{x}"]],
    [
      "source of a nested object is not the module source",
      `module "a" {\n  settings = {\n    source = "./nested"\n  }\n  source = "./a"\n}`,
      ["./a"],
    ],
    ["source outside a module block", `resource "x" "y" {\n source = "./a"\n}\nlocals {\n source = "./b"\n}`, []],
    ["source as part of a comparison", `module "a" {\n count = source == "./a" ? 1 : 0\n source = "../b"\n}`, ["../b"]],
    ["variable named module is not a block", `variable "module" {\n default = "./a"\n}`, []],
    ["template with nested braces and strings", `module "a" {\n x = "\${jsonencode({a = "}"})}"\n source = "./a"\n}`, ["./a"]],
    ["empty", "", []],
    ["garbage does not throw", `module "a" { source = "./a\n}}}}} {{{ " ' <<`, []],
  ])("%s", (_name, text, expected) => {
    expect(findModuleSources(text)).toEqual(expected);
  });
});

describe("findModuleSourcesInJson", () => {
  it.each<[string, string, string[]]>([
    ["object form", JSON.stringify({ module: { vpc: { source: "../modules/vpc" } } }), ["../modules/vpc"]],
    ["array forms", JSON.stringify({ module: [{ a: [{ source: "./a" }] }, { b: { source: "./b" } }] }), ["./a", "./b"]],
    ["remote source", JSON.stringify({ module: { a: { source: "hashicorp/consul/aws" } } }), []],
    ["no modules", JSON.stringify({ resource: {} }), []],
    ["not json", "{", []],
    ["odd shapes", JSON.stringify({ module: { a: 1, b: null, c: { source: 3 } } }), []],
  ])("%s", (_name, text, expected) => {
    expect(findModuleSourcesInJson(text)).toEqual(expected);
  });
});
