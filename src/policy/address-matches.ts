/** An instance key of a module call or resource: `[0]`, `["eu"]` (quoted keys may hold `]`, `.` and escaped quotes). */
const KEY = String.raw`\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]`;

/**
 * An address glob: `*` stands for any run of characters (dots, brackets and slashes included),
 * everything else is literal, so `aws_instance.web[0]` means exactly that address. A pattern that
 * does not start with `module.` also matches inside any module: `aws_db_instance.*` protects
 * `module.data.aws_db_instance.main` too (a protection that silently missed modules is the hole).
 * A module call the pattern names without a key (`module.vpc.`) is the whole call, every
 * instance of it included: `module.vpc.*` protects `module.vpc[0].…` and `module.vpc["eu"].…`
 * (a `count` or `for_each` on the call must not take its resources out of protection).
 */
export function addressMatches(pattern: string, address: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(literal).join(".*")}$`, "s");
  if (re.test(address)) return true;
  if (pattern.startsWith("module.")) return false;
  const inModule = new RegExp(String.raw`^(?:module\.[^.[]+(?:${KEY})?\.)+`).exec(address);
  return inModule !== null && re.test(address.slice(inModule[0].length));
}

/** One literal run of a pattern, as a regex: a keyless `module.NAME.` also takes any instance key. */
function literal(part: string): string {
  return part
    .split(/((?:^|(?<=\.))module\.[A-Za-z_][A-Za-z0-9_-]*(?=\.))/)
    .map((piece, i) => (i % 2 === 1 ? `${escapeRegex(piece)}(?:${KEY})?` : escapeRegex(piece)))
    .join("");
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
