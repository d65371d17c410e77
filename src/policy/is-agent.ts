import type { Actor } from "../model/person.js";

const WITH_ID = /#([1-9][0-9]{0,15})$/;

/**
 * Whether a login, or an account (`who` with its id), is one of the server's `agents`: a login or
 * App slug (`renovate[bot]`), or a pattern where `*` stands for any run of characters (`*[bot]`).
 * Everything else is literal — `[bot]` is GitHub's suffix for Apps, not a character class — and
 * case does not matter, as in GitHub logins. An entry `login#id` (written so, or added by
 * agentsByAccount from its pin) also names that account under any login: an agent that renames is
 * still one. By name too, always: being an agent only takes rights away.
 */
export function isAgent(who: string | Actor, agents: readonly string[]): boolean {
  const actor = typeof who === "string" ? { login: who } : who;
  const name = actor.login.replace(/^@/, "").toLowerCase();
  return agents.some((entry) => {
    const id = WITH_ID.exec(entry);
    if (id && actor.id !== undefined && Number(id[1]) === actor.id) return true;
    const parts = (id ? entry.slice(0, id.index) : entry).replace(/^@/, "").toLowerCase().split("*");
    return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "s").test(name);
  });
}

/** A literal login entry, which names an account (pinned): not a pattern, an App (`[bot]` logins cannot be registered) nor `login#id`. */
export const namesOneLogin = (entry: string): boolean => !entry.includes("*") && !/\[bot\]$/i.test(entry) && !WITH_ID.test(entry);
