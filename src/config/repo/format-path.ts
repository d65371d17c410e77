/** A key path inside a config file. */
export type KeyPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `["projects", 2, "dir"]` -> `projects[2].dir`; odd keys are quoted: `workflows["my flow"]`. */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === "" ? "(root)" : out;
}

const MAX_SHOWN = 80;
// Strings that YAML would read as something else are quoted, so `version: "1"` shows as "1".
const LOOKS_TYPED = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|true|false|null|~|yes|no|on|off)$/i;

/** A value as an error message shows it: plain when harmless, JSON-quoted otherwise, cut when long. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") {
    const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return /^[\x21-\x7e]+$/.test(value) && !LOOKS_TYPED.test(value) ? cut : JSON.stringify(cut);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}
