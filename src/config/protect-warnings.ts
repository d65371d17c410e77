import { addressMatches } from "../policy/address-matches.js";

/**
 * `protect` patterns that match no resource or module the repository declares: most likely a
 * typo, which would protect nothing. Kubernetes addresses (`Kind/namespace/name`) are not
 * declared in files Sluice reads here, so patterns with a `/` are not checked.
 */
export function unmatchedProtectPatterns(patterns: readonly string[], declared: readonly string[]): string[] {
  const candidates = declared.flatMap((d) =>
    d.startsWith("module.") && !d.slice("module.".length).includes(".")
      ? [`${d}.any_type.any_name`, `${d}[0].any_type.any_name`]
      : [d, `${d}[0]`],
  );
  return patterns.filter((p) => !p.includes("/") && !candidates.some((c) => addressMatches(p, c)));
}
