import type { RepoConfig } from "../model/repo-config.js";
import { trustedProjectFor } from "./repo-settings.js";

const entries = (r: Readonly<Record<string, string>>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");

/**
 * Trusted settings a PR's own config adds or changes (helm `secret_set`, `allow_destroy`,
 * `terraform_binary`): Sluice reads them from the trusted (base branch) config only, so they do
 * not apply to this PR's plans. Each is named with the reason and what makes it apply, so none is
 * dropped in silence.
 */
export function untrustedSettings(head: RepoConfig, trusted: RepoConfig | undefined): string[] {
  if (head.source === "none") return [];
  const out: string[] = [];
  const note = (what: string, project: string, why: string) =>
    out.push(
      `\`${what}\` of project \`${project}\` in ${head.source} does not apply to this pull request's plans: ${why}, so Sluice reads it only from the base branch's config. Merge the config change first (on its own); plans made after that use it.`,
    );
  for (const p of head.projects) {
    const t = trustedProjectFor(trusted, p);
    const own = p.helm?.secretSet ?? {};
    const base = t?.helm?.secretSet ?? {};
    const added = Object.fromEntries(Object.entries(own).filter(([k, v]) => base[k] !== v));
    if (Object.keys(added).length > 0)
      note(`secret_set: {${entries(added)}}`, p.name, "a pull request may not choose where a server secret goes");
    if (p.allowDestroy === true && t?.allowDestroy !== true)
      note("allow_destroy: true", p.name, "a pull request may not allow its own destroy plans to be applied");
    if (p.terraformBinary !== undefined && p.terraformBinary !== t?.terraformBinary)
      note(`terraform_binary: ${p.terraformBinary}`, p.name, "a pull request may not choose which program the server runs");
  }
  return out;
}
