import type { Node } from "web-tree-sitter";
import type { HclParser } from "../terragrunt/parse-terragrunt-hcl.js";

/** A root module variable as its configuration declares it. */
export interface VariableDeclaration {
  /** `sensitive = true`, literally: the only spelling terraform accepts besides `false`. */
  sensitive: boolean;
  /** The file that decided it (the override file, when one sets `sensitive`). */
  file: string;
}

/**
 * Functions whose result terraform does not mark sensitive though their argument is: `nonsensitive`
 * removes the mark, and `can` / `try` answer whether an expression over a secret fails, so a
 * loop of them spells a secret out one character at a time (checked on terraform 1.11).
 */
export const UNMARKING = ["nonsensitive", "can", "try"] as const;

/**
 * References that name a resource or its address, never read its values: `terraform_data`
 * may be named there (see echoOf).
 */
const ADDRESS_ONLY = new Set(["depends_on", "replace_triggered_by", "to", "from"]);

/**
 * `terraform_data.NAME.output` (or the whole resource) read in an expression: once applied, the
 * `output` echoing a sensitive `input` is in the state unmarked (checked on terraform 1.11), so
 * `join("-", split("", terraform_data.x.output))` prints the secret spelled out. Undefined for a
 * reference that only names the resource (depends_on, replace_triggered_by, moved/import/removed).
 */
/** Whether `node` is inside a `resource "terraform_data"` block, where `self` is that resource (a provisioner, a postcondition). */
function inTerraformData(node: Node): boolean {
  for (let up = node.parent; up; up = up.parent) {
    if (up.type === "block" && up.namedChildren[0]?.text === "resource") return up.namedChildren[1]?.text === '"terraform_data"';
  }
  return false;
}

function echoOf(node: Node): string | undefined {
  for (let up = node.parent; up; up = up.parent) {
    if (up.type === "attribute") {
      if (ADDRESS_ONLY.has(up.namedChildren[0]?.text ?? "")) return undefined;
      break;
    }
  }
  const traversal = [node.text];
  for (let next = node.nextNamedSibling; next?.type === "get_attr" || next?.type === "index"; next = next.nextNamedSibling)
    traversal.push(next.text);
  return traversal.slice(0, 3).join("").replace(/\s+/g, "");
}

export type FileVariables =
  | {
      ok: true;
      variables: Map<string, { sensitive?: boolean }>;
      /**
       * Which of `UNMARKING` the file calls (`can`), anywhere (templates and heredocs included),
       * and each `terraform_data` it reads (`terraform_data.x.output`).
       */
      unmarking: string[];
    }
  | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The `variable` blocks of one file of Terraform's native syntax, with their `sensitive`
 * attribute when they set it (absent = the file does not say). Nothing is evaluated.
 */
export function variablesInHcl({ parser }: Pick<HclParser, "parser">, text: string): FileVariables {
  const tree = parser.parse(text);
  if (!tree) return { ok: false, error: "could not be parsed" };
  try {
    const root = tree.rootNode;
    if (root.hasError) return { ok: false, error: "has an HCL syntax error" };
    const variables = new Map<string, { sensitive?: boolean }>();
    const unmarking = new Set<string>();
    for (const call of root.descendantsOfType("function_call")) {
      const name = call?.namedChildren[0]?.text.replace(/^.*::/, "");
      if (name && (UNMARKING as readonly string[]).includes(name)) unmarking.add(name);
    }
    for (const ref of root.descendantsOfType("variable_expr")) {
      if (!ref) continue;
      const echo = ref.text === "terraform_data" || (ref.text === "self" && inTerraformData(ref)) ? echoOf(ref) : undefined;
      // In its own block, `self.input` is still marked: only the echo (or all of `self`) is a read.
      if (echo && (ref.text !== "self" || echo === "self" || echo.startsWith("self.output"))) unmarking.add(echo);
    }
    const body = root.namedChildren.find((n) => n?.type === "body");
    for (const block of body?.namedChildren ?? []) {
      if (block?.type !== "block" || block.namedChildren[0]?.text !== "variable") continue;
      const label = block.namedChildren[1];
      const name = label?.type === "string_lit" ? label.text.slice(1, -1) : label?.type === "identifier" ? label.text : undefined;
      if (name === undefined) continue;
      variables.set(name, sensitiveAttribute(block));
    }
    return { ok: true, variables, unmarking: [...unmarking].sort() };
  } finally {
    tree.delete();
  }
}

function sensitiveAttribute(block: Node): { sensitive?: boolean } {
  const body = block.namedChildren.find((n) => n?.type === "body");
  for (const attr of body?.namedChildren ?? []) {
    if (attr?.type !== "attribute" || attr.namedChildren[0]?.text !== "sensitive") continue;
    return { sensitive: attr.namedChildren[1]?.text.trim() === "true" };
  }
  return {};
}

/** The same for a `.tf.json` file: `{"variable": {"NAME": {"sensitive": true}}}`, or a list of such objects. */
export function variablesInJson(text: string): FileVariables {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, error: "is not valid JSON" };
  }
  const variables = new Map<string, { sensitive?: boolean }>();
  const blocks = isRecord(doc) ? doc.variable : undefined;
  for (const group of Array.isArray(blocks) ? blocks : [blocks]) {
    if (!isRecord(group)) continue;
    for (const [name, decl] of Object.entries(group)) {
      const body = Array.isArray(decl) ? decl[0] : decl;
      variables.set(name, isRecord(body) && "sensitive" in body ? { sensitive: body.sensitive === true } : {});
    }
  }
  // Expressions are strings here: any call-like text counts, and any `terraform_data.` inside
  // `${…}` (depends_on and moved blocks name resources in bare strings).
  const unmarking: string[] = UNMARKING.filter((f) => new RegExp(`\\b${f}\\s*\\(`).test(text));
  const echoes = text.match(/\$\{[^}]*\bterraform_data\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?/g) ?? [];
  for (const e of new Set(echoes.map((m) => m.slice(m.indexOf("terraform_data."))))) unmarking.push(e);
  return { ok: true, variables, unmarking };
}

/** Terraform's override files, merged after the others: `override.tf`, `*_override.tf` (and `.tf.json`). */
export function isOverrideFile(name: string): boolean {
  return /(?:^|_)override\.tf(?:\.json)?$/.test(name);
}

/**
 * A module's variables from its files (name -> parsed), as terraform merges them: the primary
 * files declare, then override files may change `sensitive`.
 */
export function mergeDeclarations(files: ReadonlyMap<string, Map<string, { sensitive?: boolean }>>): Map<string, VariableDeclaration> {
  const out = new Map<string, VariableDeclaration>();
  const names = [...files.keys()].sort();
  for (const file of names.filter((f) => !isOverrideFile(f))) {
    for (const [name, d] of files.get(file) ?? []) out.set(name, { sensitive: d.sensitive === true, file });
  }
  for (const file of names.filter(isOverrideFile)) {
    for (const [name, d] of files.get(file) ?? []) {
      if (out.has(name) && d.sensitive !== undefined) out.set(name, { sensitive: d.sensitive, file });
    }
  }
  return out;
}
