import type { RepoSettings } from "../config/repo-settings.js";
import { windowState } from "../gate/apply-windows.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";
import { inlineCode } from "../render/inline.js";
import { dependsOnNotes } from "./depends-on-notes.js";

/** `text` followed by the configuration's warnings, when there are any. */
export function withWarnings(text: string, warnings: string[]): string {
  if (!warnings.length) return text;
  return `${text}${text ? " " : ""}Configuration warnings:\n${warnings.join("\n")}`;
}

/**
 * What a PR's plan comment says under its plans: when a project closed by a window or freeze may
 * next be applied (plans run at any time), Atlantis' `depends_on` gates, and the configuration's
 * warnings; none when there is nothing to say.
 */
export function planNotice(
  deps: Pick<JobDeps, "config">,
  settings: Pick<RepoSettings, "identityOf">,
  config: RepoConfig,
  projects: Project[],
  warnings: string[],
  /** A project the pull request deletes (goneNote). */
  gone?: string,
): string | undefined {
  const windows = projects.flatMap((p) => {
    const w = windowState(deps.config.apply_windows, deps.config.freezes, settings.identityOf(p), new Date());
    return w.open ? [] : [`⏰ ${inlineCode(p.name)} may not be applied now: ${w.why}${w.opensAt ? `; next from ${w.opensAt}` : ""}.`];
  });
  const gates = config.source === "atlantis.yaml" ? dependsOnNotes(config, projects) : [];
  const notes = [...(gone ? [gone] : []), ...windows, ...gates];
  if (!warnings.length && !notes.length) return undefined;
  return [...notes, withWarnings("", warnings)].filter((t) => t !== "").join("\n");
}
