import { lexHcl } from "./find-module-sources.js";

/**
 * The resources (`TYPE.NAME`, data sources as `data.TYPE.NAME`) and module calls (`module.NAME`)
 * a Terraform file declares at its top level, for `config explain`'s check of `protect` patterns.
 * The lexer knows strings, heredocs and comments, so a block in a comment is not counted.
 */
export function declaredAddresses(tfText: string): string[] {
  const tokens = lexHcl(tfText);
  const out: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok?.type === "punct" && "{[(".includes(tok.value)) depth++;
    else if (tok?.type === "punct" && "}])".includes(tok.value)) depth = Math.max(0, depth - 1);
    if (depth !== 0 || tok?.type !== "ident") continue;
    const a = tokens[i + 1];
    const b = tokens[i + 2];
    const label = (t: typeof a) => (t?.type === "string" ? t.value : t?.type === "ident" ? t.value : undefined);
    if (tok.value === "resource" && label(a) && label(b)) out.push(`${label(a)}.${label(b)}`);
    else if (tok.value === "data" && label(a) && label(b)) out.push(`data.${label(a)}.${label(b)}`);
    else if (tok.value === "module" && label(a)) out.push(`module.${label(a)}`);
  }
  return out;
}
