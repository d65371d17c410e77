/**
 * Whether a login is one of the server's `agents`: a login or App slug (`renovate[bot]`), or a
 * pattern where `*` stands for any run of characters (`*[bot]`). Everything else is literal —
 * `[bot]` is GitHub's suffix for Apps, not a character class — and case does not matter, as in
 * GitHub logins.
 */
export function isAgent(login: string, agents: readonly string[]): boolean {
  const name = login.replace(/^@/, "").toLowerCase();
  return agents.some((pattern) => {
    const parts = pattern.replace(/^@/, "").toLowerCase().split("*");
    return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "s").test(name);
  });
}
