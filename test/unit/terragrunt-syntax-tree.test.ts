// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt (HCL) text, whose ${…} is HCL's
import type { Node } from "web-tree-sitter";
import { describe, expect, it } from "vitest";
import { hclParser, parseTerragruntHcl } from "../../runners/terragrunt/parse-terragrunt-hcl.js";
import { copySubtree, type SyntaxNode } from "../../runners/terragrunt/syntax-tree.js";

const SAMPLE = [
  "# a comment",
  'include "root" {\n  path = find_in_parent_folders("root.hcl") // why\n}',
  'locals {\n  r = read_terragrunt_config("${get_terragrunt_dir()}/../r.hcl")\n  n = 1.5\n  b = true\n  x = null\n  l = [for s in ["a", "b"] : upper(s) if s != "c"]\n  o = { a = 1, "b" = -2 }\n}',
  'terraform {\n  source = "../m//x?ref=1"\n  extra_arguments "e" {\n    commands = ["plan"]\n  }\n}',
  'inputs = {\n  h = <<-EOT\n    ${file("x.txt")} é ü 🚀\n  EOT\n  c = a ? b.c[0] : d.*.e\n}\n',
].join("\n");

/** Type, text and named children as tree-sitter's own nodes say. */
const shapeOfNode = (n: Node): unknown => ({ type: n.type, text: n.text, children: n.namedChildren.map((c) => shapeOfNode(c as Node)) });
const shapeOfCopy = (n: SyntaxNode): unknown => ({ type: n.type, text: n.text, children: n.children.map(shapeOfCopy) });

describe("the copied syntax tree", () => {
  it("has the types, texts and named children of tree-sitter's nodes, comments and non-ASCII text included", async () => {
    const hcl = await hclParser();
    const tree = hcl.parser.parse(SAMPLE);
    if (!tree) throw new Error("not parsed");
    expect(tree.rootNode.hasError).toBe(false);
    const seen: string[] = [];
    const copy = copySubtree(tree.rootNode, SAMPLE, hcl.kinds, (n) => seen.push(n.type));
    expect(shapeOfCopy(copy)).toEqual(shapeOfNode(tree.rootNode));
    const preOrder = (n: SyntaxNode): string[] => [n.type, ...n.children.flatMap(preOrder)];
    expect(seen).toEqual(preOrder(copy));
    expect(seen).toContain("comment");
    const parentsRight = (n: SyntaxNode): boolean => n.children.every((c) => c.parent === n && parentsRight(c));
    expect(parentsRight(copy)).toBe(true);
    tree.delete();
  });

  it("copies a node `descend` refuses without its children, and the rest as before", async () => {
    const hcl = await hclParser();
    const tree = hcl.parser.parse(SAMPLE);
    if (!tree) throw new Error("not parsed");
    const attributes = (n: SyntaxNode): SyntaxNode[] => [...(n.type === "attribute" ? [n] : []), ...n.children.flatMap(attributes)];
    const pruned = copySubtree(
      tree.rootNode,
      SAMPLE,
      hcl.kinds,
      () => undefined,
      (n) => n.type !== "attribute",
    );
    expect(attributes(pruned).map((a) => [a.text.split(" ")[0], a.children.length])).toEqual([
      ["path", 0],
      ["r", 0],
      ["n", 0],
      ["b", 0],
      ["x", 0],
      ["l", 0],
      ["o", 0],
      ["source", 0],
      ["commands", 0],
      ["inputs", 0],
    ]);
    // Control: the same tree copied whole has every attribute's name and value.
    const whole = copySubtree(tree.rootNode, SAMPLE, hcl.kinds, () => undefined);
    expect(attributes(whole).filter((a) => a.children.length === 0)).toEqual([]);
    tree.delete();
  });

  it("a file that names nothing discovery reads can still be invalid: every file is parsed, none skipped by its text", async () => {
    const hcl = await hclParser();
    expect(parseTerragruntHcl(hcl, 'locals {\n  region = "eu"\n}\n')).toEqual({ refs: [] });
    expect(parseTerragruntHcl(hcl, "/tmp/elsewhere/secret\n")).toEqual({ refs: [], error: "HCL syntax error near line 1" });
  });
});

describe("what a file names", () => {
  it("finds what a path block names and every reading call in it, its other attributes left uncopied", async () => {
    const hcl = await hclParser();
    const text = [
      'dependency "db" {',
      '  config_path = "../db"',
      '  mock_outputs = { id = "mock", nested = { more = [1, 2, 3] } }',
      '  mock_outputs_merge_strategy_with_state = "shallow"',
      "}",
      'dependency "vpc" {',
      '  config_path = "../vpc"',
      '  mock_outputs = { cidr = file("mock-cidr.txt") }',
      "}",
    ].join("\n");
    expect(parseTerragruntHcl(hcl, text).refs).toEqual([
      { kind: "dependency", name: "db", path: { kind: "relative", path: "../db" } },
      { kind: "dependency", name: "vpc", path: { kind: "relative", path: "../vpc" } },
      { kind: "read", name: "file", path: { kind: "relative", path: "mock-cidr.txt" } },
    ]);
  });

  it("sees the blocks of a file that begins with a comment (the comment comes before the file's body)", async () => {
    const hcl = await hclParser();
    const text = '# the unit\ninclude "root" {\n  path = "../root.hcl"\n}\nterraform {\n  source = "../m"\n}\n';
    expect(parseTerragruntHcl(hcl, text).refs).toEqual([
      { kind: "include", name: "root", path: { kind: "relative", path: "../root.hcl" } },
      { kind: "source", path: { kind: "relative", path: "../m" } },
    ]);
  });
});
