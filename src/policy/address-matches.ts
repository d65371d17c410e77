/**
 * An address glob: `*` stands for any run of characters (dots, brackets and slashes included),
 * everything else is literal, so `aws_instance.web[0]` means exactly that address. A pattern that
 * does not start with `module.` also matches inside any module: `aws_db_instance.*` protects
 * `module.data.aws_db_instance.main` too (a protection that silently missed modules is the hole).
 */
export function addressMatches(pattern: string, address: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`, "s");
  if (re.test(address)) return true;
  if (pattern.startsWith("module.")) return false;
  const inModule = /^(?:module\.[^.[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?\.)+/.exec(address);
  return inModule !== null && re.test(address.slice(inModule[0].length));
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
