/**
 * Local module sources (`./…`, `../…`) of the `module` blocks in one file of Terraform HCL.
 * A small lexer, not a full HCL parser: it knows strings (with escapes and `${…}` templates),
 * heredocs and the three comment styles, so text that merely *looks* like a module block inside a
 * comment, string or heredoc is not picked up. Templated sources are skipped: Terraform requires
 * a literal there anyway.
 */
export function findModuleSources(tfText: string): string[] {
  const tokens = lexHcl(tfText);
  const found: string[] = [];
  let depth = 0;
  let moduleBodyDepth = -1;
  let statementStart = true;

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === undefined) break;
    const wasStatementStart = statementStart;
    statementStart = tok.type === "newline" || (tok.type === "punct" && (tok.value === "{" || tok.value === "}"));

    if (tok.type === "punct" && OPEN.has(tok.value)) {
      depth++;
      continue;
    }
    if (tok.type === "punct" && CLOSE.has(tok.value)) {
      depth = Math.max(0, depth - 1);
      if (depth < moduleBodyDepth) moduleBodyDepth = -1;
      continue;
    }
    if (!wasStatementStart || tok.type !== "ident") continue;

    if (depth === 0 && tok.value === "module") {
      let j = i + 1;
      while (tokens[j]?.type === "string" || tokens[j]?.type === "ident") j++;
      const brace = tokens[j];
      if (j > i + 1 && brace?.type === "punct" && brace.value === "{") moduleBodyDepth = 1;
      continue;
    }

    if (depth === moduleBodyDepth && depth > 0 && tok.value === "source") {
      const eq = tokens[i + 1];
      const str = tokens[i + 2];
      const end = tokens[i + 3];
      const endsHere = end === undefined || end.type === "newline" || (end.type === "punct" && end.value === "}");
      if (eq?.type !== "punct" || eq.value !== "=" || str?.type !== "string" || !endsHere) continue;
      const local = str.value !== undefined && isLocalSource(str.value) && !str.value.includes("\u0000");
      if (local && str.value !== undefined && !found.includes(str.value)) found.push(str.value);
    }
  }
  return found;
}

/** Terraform's rule: only `./` and `../` mark a local path; everything else is a registry or remote source. */
export function isLocalSource(source: string): boolean {
  return source.startsWith("./") || source.startsWith("../");
}

export type Token =
  | { type: "ident"; value: string }
  /**
   * value is undefined when the string holds a template (`${…}`, `%{…}`) or is unterminated;
   * `${path.module}`, `${path.root}` and `${path.cwd}` alone are kept, as PATH_MARKS. `prefix`:
   * the literal text before the first other template; `templates`: the templates' bodies.
   */
  | { type: "string"; value: string | undefined; prefix?: string; templates?: string[] }
  | { type: "punct"; value: string }
  | { type: "newline" };

const OPEN: ReadonlySet<string> = new Set(["{", "[", "("]);
const CLOSE: ReadonlySet<string> = new Set(["}", "]", ")"]);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const HEREDOC = /<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** Stand-ins for `${path.module}` / `${path.root}` / `${path.cwd}` in a string token's value. */
export const PATH_MARKS = { module: "\u0000module\u0000", root: "\u0000root\u0000", cwd: "\u0000cwd\u0000" } as const;
const PATH_REF = /^\s*path\.(module|root|cwd)\s*$/;

export function lexHcl(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    const next = text[i + 1];
    if (c === "\n") {
      tokens.push({ type: "newline" });
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#" || (c === "/" && next === "/")) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if (c === "/" && next === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === '"') {
      const str = readString(text, i);
      tokens.push(
        str.prefix === undefined
          ? { type: "string", value: str.value }
          : { type: "string", value: str.value, prefix: str.prefix, templates: str.templates ?? [] },
      );
      i = str.end;
    } else if (c === "<" && next === "<") {
      HEREDOC.lastIndex = i;
      const heredoc = HEREDOC.exec(text);
      if (heredoc === null) {
        tokens.push({ type: "punct", value: "<<" });
        i += 2;
        continue;
      }
      i = skipHeredoc(text, i + heredoc[0].length, heredoc[1] ?? "");
      tokens.push({ type: "string", value: undefined });
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_PART.test(text[j] ?? "")) j++;
      tokens.push({ type: "ident", value: text.slice(i, j) });
      i = j;
    } else if ((c === "=" || c === "!" || c === "<" || c === ">") && next === "=") {
      // `source == x` must not read as an assignment to `source`.
      tokens.push({ type: "punct", value: `${c}=` });
      i += 2;
    } else {
      tokens.push({ type: "punct", value: c });
      i++;
    }
  }
  return tokens;
}

/** Reads a quoted string starting at `start` (the opening quote). */
function readString(text: string, start: number): { value: string | undefined; prefix?: string; templates?: string[]; end: number } {
  let value = "";
  let literal = true;
  let prefix: string | undefined;
  const templates: string[] = [];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] ?? "";
    const next = text[i + 1];
    if (c === '"') return literal ? { value, end: i + 1 } : { value: undefined, prefix, templates, end: i + 1 };
    if (c === "\n") break;
    if (c === "\\") {
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) literal = false;
      else value += escaped;
      i += 2;
      continue;
    }
    if ((c === "$" || c === "%") && next === c && text[i + 2] === "{") {
      value += `${c}{`;
      i += 3;
      continue;
    }
    if ((c === "$" || c === "%") && next === "{") {
      const end = skipTemplate(text, i + 2);
      const ref = c === "$" ? PATH_REF.exec(text.slice(i + 2, end - 1)) : null;
      if (ref) value += PATH_MARKS[ref[1] as keyof typeof PATH_MARKS];
      else {
        templates.push(text.slice(i + 2, end - 1));
        if (literal) prefix = value;
        literal = false;
      }
      i = end;
      continue;
    }
    value += c;
    i++;
  }
  return { value: undefined, end: i };
}

/** Skips a `${…}` / `%{…}` body (which may hold strings with braces) and returns the index after `}`. */
function skipTemplate(text: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === "\n") return i;
    if (c === "{") depth++;
    else if (c === "}") depth--;
    i++;
  }
  return i;
}

/**
 * Where a string inside a template ends (the index after its closing quote; at a newline or the
 * text's end when unterminated), its own templates and their strings included. A loop with a stack,
 * not a recursion: a PR's file nests them as deep as it likes (`"${"${"${…`), and a recursion would
 * run past the stack and fail the whole job instead of reading the file.
 */
function stringEnd(text: string, start: number): number {
  // A string (-1) or a template body with its open braces (≥ 1), innermost last.
  const open: number[] = [-1];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    const top = open.length - 1;
    if (c === "\n") return i;
    if ((open[top] ?? -1) < 0) {
      if (c === '"') {
        open.pop();
        i++;
        if (open.length === 0) return i;
      } else if (c === "\\") i += 2;
      else if ((c === "$" || c === "%") && next === c && text[i + 2] === "{") i += 3;
      else if ((c === "$" || c === "%") && next === "{") {
        open.push(1);
        i += 2;
      } else i++;
      continue;
    }
    if (c === '"') open.push(-1);
    else if (c === "{") open[top] = (open[top] ?? 0) + 1;
    else if (c === "}") {
      open[top] = (open[top] ?? 1) - 1;
      if (open[top] === 0) open.pop();
    }
    i++;
  }
  return i;
}

/** Returns the index of the newline that ends the heredoc's closing marker line (or the text end). */
function skipHeredoc(text: string, from: number, marker: string): number {
  let lineStart = from;
  while (lineStart < text.length) {
    const nl = text.indexOf("\n", lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    if (text.slice(lineStart, lineEnd).trim() === marker) return lineEnd;
    lineStart = lineEnd + 1;
  }
  return text.length;
}

/**
 * The same for a `.tf.json` file: `{"module": {"name": {"source": "./x"}}}`, where either level may
 * also be an array of objects. Text that is not JSON gives no sources (Terraform will say why).
 */
export function findModuleSourcesInJson(jsonText: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(jsonText);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const modules of objectsOf(isRecord(doc) ? doc.module : undefined)) {
    for (const body of Object.values(modules).flatMap(objectsOf)) {
      const source = body.source;
      if (typeof source === "string" && isLocalSource(source) && !found.includes(source)) found.push(source);
    }
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectsOf(value: unknown): Record<string, unknown>[] {
  if (isRecord(value)) return [value];
  if (Array.isArray(value)) return value.filter(isRecord);
  return [];
}
