/**
 * Checks a value against the subset of JSON Schema the generated event schema uses (type,
 * properties, required, additionalProperties, items, enum, const, minimum bounds): enough to hold
 * real events to the checked-in file without a validator dependency. Returns the problems found.
 */
export function schemaProblems(schema: Record<string, unknown>, value: unknown, path = "$"): string[] {
  const problems: string[] = [];
  const type = schema.type as string | undefined;
  const isType: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === "string",
    integer: Number.isInteger,
    number: (v) => typeof v === "number",
    boolean: (v) => typeof v === "boolean",
  };
  if (type && !isType[type]?.(value)) return [`${path}: expected ${type}`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) problems.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && schema.const !== value) problems.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof schema.exclusiveMinimum === "number" && !((value as number) > schema.exclusiveMinimum)) problems.push(`${path}: too small`);
  if (type === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) problems.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) problems.push(...schemaProblems(sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not allowed`);
    }
  }
  if (type === "array" && schema.items) {
    (value as unknown[]).forEach((v, i) => {
      problems.push(...schemaProblems(schema.items as Record<string, unknown>, v, `${path}[${i}]`));
    });
  }
  return problems;
}
