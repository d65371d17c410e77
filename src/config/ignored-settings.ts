import type { RepoConfig } from "../model/repo-config.js";
import type { ServerConfig } from "./server-config.js";

type OverrideKey = ServerConfig["allowed_overrides"][number];

const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(", ")}]` : String(v));

/**
 * Settings a repo config writes that this server does not let repos set, each named with the
 * value that applies instead and the server key that would allow it. Shown in the plan comment
 * (and when a merge applies nothing because of one): nothing the user wrote is ignored in silence.
 */
export function ignoredSettings(server: ServerConfig, config: RepoConfig | undefined): string[] {
  if (!config || config.source === "none") return [];
  const allowed = (key: OverrideKey) => server.allowed_overrides.includes(key);
  const out: string[] = [];
  const note = (what: string, key: OverrideKey, applies: string) =>
    out.push(
      `\`${what}\` in ${config.source} is ignored: this server does not let repositories set \`${key}\` (${applies} applies). The server's operator can allow it with \`allowed_overrides: [${key}]\` in the server config.`,
    );
  const top = {
    apply_on: [config.applyOn, server.apply_on],
    automerge: [config.automerge, server.automerge],
    approvals: [config.approvals, server.approvals],
  } as const;
  for (const key of config.setKeys ?? []) {
    const [repoValue, serverValue] = top[key];
    if (!allowed(key) && repoValue !== serverValue)
      note(`${key}: ${show(repoValue)}`, key, `the server's \`${key}: ${show(serverValue)}\``);
  }
  for (const p of config.projects) {
    if (p.destroyRule && !allowed("destroy"))
      note(`destroy\` of project \`${p.name}`, "destroy", server.destroy ? "the server's `destroy`" : "no destroy rule");
    if (p.autoApprove && !allowed("auto_approve"))
      note(
        `auto_approve\` of project \`${p.name}`,
        "auto_approve",
        server.auto_approve ? "the server's `auto_approve`" : "no auto-approval",
      );
  }
  if (!allowed("apply_requirements")) {
    for (const p of config.projects) {
      const own = p.applyRequirements;
      if (own && show(own) !== show(server.apply_requirements)) {
        note(
          `apply_requirements: ${show(own)}\` of project \`${p.name}`,
          "apply_requirements",
          `the server's \`apply_requirements: ${show(server.apply_requirements)}\``,
        );
      }
    }
  }
  return out;
}
