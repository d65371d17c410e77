/**
 * The repository globs of a form field, comma-separated: split only at commas outside braces,
 * since a brace list is one glob (`!acme/{prod,staging}`). Split at every comma, that exclusion
 * became `!acme/{prod` and `staging}`, which match no repository: the token covered the very
 * repositories its admin excluded.
 */
export function repoGlobsField(field: string): string[] {
  const globs: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of field) {
    if (c === "{") depth++;
    else if (c === "}" && depth > 0) depth--;
    if (c === "," && depth === 0) {
      globs.push(current);
      current = "";
    } else current += c;
  }
  globs.push(current);
  return globs.map((g) => g.trim()).filter(Boolean);
}
