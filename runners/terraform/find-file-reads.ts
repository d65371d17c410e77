import type { TfRead } from "../../src/model/project-tree.js";
import { lexHcl, PATH_MARKS, type Token } from "./find-module-sources.js";

const MAX_DEPTH = 4;

/** Terraform's functions that read one file named by their first argument (`fileexists`: its presence). */
export const TERRAFORM_FILE_FUNCTIONS = [
  "file",
  "filebase64",
  "filemd5",
  "filesha1",
  "filesha256",
  "filesha512",
  "filebase64sha256",
  "filebase64sha512",
  "templatefile",
  "fileexists",
] as const;
const FILE_FUNCTIONS: ReadonlySet<string> = new Set(TERRAFORM_FILE_FUNCTIONS);

/**
 * The files one Terraform file reads, as far as the text says: `file(…)` and its kin,
 * `templatefile(…)`, `fileset(dir, pattern)` (so `yamldecode(file(…))` too), with a literal path
 * or one starting `${path.module}`, `${path.root}` or `${path.cwd}`; and any other string starting
 * with one of those (an `archive_file`'s `source_dir`, a script a provisioner runs). A read whose
 * path is computed (`file(var.p)`, `"${path.module}/${var.name}.yaml"`) is `computed`: the caller
 * counts the reading dir's whole tree. Relative literal paths are relative to the root module
 * (Terraform's working dir), as Terraform reads them.
 */
export function findFileReads(tfText: string, depth = 0): TfRead[] {
  const tokens = lexHcl(tfText).filter((t) => t.type !== "newline");
  const reads: TfRead[] = [];
  // Reads inside interpolations (`"${file("${path.module}/a")}"`): their bodies are HCL too.
  if (depth < MAX_DEPTH) {
    for (const tok of tokens) {
      if (tok.type === "string") for (const body of tok.templates ?? []) reads.push(...findFileReads(body, depth + 1));
    }
  } else if (tokens.some((t) => t.type === "string" && (t.templates?.length ?? 0) > 0)) {
    // Nested deeper than is read: what it reads is not known, so the whole tree counts.
    reads.push({ fn: "file", computed: true });
  }
  const consumed = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as Token;
    if (tok.type !== "ident" || !isCall(tokens, i)) continue;
    if (FILE_FUNCTIONS.has(tok.value)) {
      const arg = literalArg(tokens, i + 2);
      if (arg === undefined) reads.push(computedRead(tok.value, tokens[i + 2]));
      else {
        consumed.add(i + 2);
        const read = fromPath(tok.value, arg.value);
        if (read) reads.push(read);
      }
    } else if (tok.value === "fileset") {
      const dir = literalArg(tokens, i + 2);
      const pattern = dir === undefined ? undefined : literalArg(tokens, dir.next + 1);
      if (dir === undefined || pattern === undefined || pattern.value.includes("\u0000")) reads.push({ fn: "fileset", computed: true });
      else {
        consumed.add(i + 2).add(dir.next + 1);
        const read = fromPath("fileset", dir.value);
        if (read && !("computed" in read)) reads.push({ ...read, pattern: pattern.value });
        else if (read) reads.push(read);
      }
    }
  }
  // Other strings naming a path under the module or the root: read by something (archive_file, a
  // provisioner's script) even without a file function.
  tokens.forEach((tok, i) => {
    if (tok.type !== "string" || tok.value === undefined || consumed.has(i)) return;
    if (!tok.value.startsWith("\u0000")) return;
    const read = fromPath("path", tok.value);
    if (read && !("computed" in read)) reads.push(read);
  });
  // `for f in fileset(path.module, "x/*.yaml") : file("${path.module}/${f}")`: the computed read
  // is the fileset's files, already counted.
  const listed = new Set(reads.flatMap((r) => ("pattern" in r && r.pattern !== undefined ? [r.base] : [])));
  return dedupe(reads.filter((r) => !("computed" in r && r.under !== undefined && listed.has(r.under))));
}

/** A read with a computed path; `under` when its string starts with `${path.module}/` (or root). */
function computedRead(fn: string, arg: Token | undefined): TfRead {
  const prefix = arg?.type === "string" ? arg.prefix : undefined;
  if (prefix?.startsWith(`${PATH_MARKS.module}/`)) return { fn, computed: true, under: "module" };
  if (prefix?.startsWith(`${PATH_MARKS.root}/`) || prefix?.startsWith(`${PATH_MARKS.cwd}/`)) return { fn, computed: true, under: "root" };
  return { fn, computed: true };
}

function isCall(tokens: readonly Token[], i: number): boolean {
  const next = tokens[i + 1];
  const before = tokens[i - 1];
  // `provider::x::file(` is a provider's function; `.file(` an attribute access.
  if (before?.type === "punct" && (before.value === ":" || before.value === ".")) return false;
  return next?.type === "punct" && next.value === "(";
}

/**
 * The argument at `i` when it is a whole literal: a string, or a bare `path.module` (`path.root`,
 * `path.cwd`), followed by `,` or `)`; `next` is the index of that `,` or `)`.
 */
function literalArg(tokens: readonly Token[], i: number): { value: string; next: number } | undefined {
  const tok = tokens[i];
  let value: string | undefined;
  let next = i + 1;
  if (tok?.type === "string") value = tok.value;
  else if (tok?.type === "ident" && tok.value === "path") {
    const dot = tokens[i + 1];
    const which = tokens[i + 2];
    if (dot?.type === "punct" && dot.value === "." && which?.type === "ident" && Object.hasOwn(PATH_MARKS, which.value)) {
      value = PATH_MARKS[which.value as keyof typeof PATH_MARKS];
      next = i + 3;
    }
  }
  const after = tokens[next];
  if (value === undefined || after?.type !== "punct" || (after.value !== "," && after.value !== ")")) return undefined;
  return { value, next };
}

function fromPath(fn: string, value: string): TfRead | undefined {
  for (const [base, mark] of [
    ["module", PATH_MARKS.module],
    ["root", PATH_MARKS.root],
    ["root", PATH_MARKS.cwd],
  ] as const) {
    if (!value.startsWith(mark)) continue;
    const rest = value.slice(mark.length);
    if (rest.includes("\u0000")) return { fn, computed: true };
    if (rest !== "" && !rest.startsWith("/")) return { fn, computed: true };
    return { fn, base, path: rest.replace(/^\/+/, "") };
  }
  if (value.includes("\u0000")) return { fn, computed: true };
  // An absolute path is outside the repository: no change of the PR can touch it.
  if (value.startsWith("/") || value === "") return undefined;
  return { fn, base: "root", path: value };
}

function dedupe(reads: TfRead[]): TfRead[] {
  const seen = new Set<string>();
  return reads.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
