/**
 * An output's value as `TF_VAR_<name>` takes it. Terraform reads a string variable's value as it
 * is, and parses any other type as an HCL expression: those go as JSON (valid HCL), with template
 * sequences escaped so a hostile string inside a list or map stays text (`${…}` and `%{…}` can
 * only occur inside JSON strings).
 */
export function tfVarText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value ?? null)
    .replaceAll("${", () => "$${")
    .replaceAll("%{", () => "%%{");
}

/** The text of a value as a file helm reads with `--set-file` (sensitive values): strings as they are, others as JSON. */
export function fileText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}

/**
 * Every scalar of a sensitive value, as text, for the redactor: the value may be printed whole or
 * in parts (an element of a list), and JSON-encoded.
 */
export function sensitiveTexts(value: unknown): string[] {
  const out = new Set<string>([fileText(value), tfVarText(value)]);
  const walk = (v: unknown): void => {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  // Short scalars ("80", "true") would redact too much of every comment; the whole value still goes.
  return [...out].filter((t) => t.length >= 4);
}
