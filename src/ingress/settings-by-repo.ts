import { repoAllowed, serverConfigFor } from "../config/server-config-for.js";
import type { ServerConfig } from "../config/server-config.js";
import { ingressSettings, type IngressSettings } from "./event-to-job.js";

/** Repositories remembered at most; past it the memo starts again (it is only a shortcut). */
const MAX_REMEMBERED = 1000;

/**
 * What ingress needs of one repository's settings (its `repos:` entries applied) and whether the
 * server acts on it, worked out once per repository: the config is fixed for the process, and
 * resolving it matched every `repos:` entry and copied the whole config on each delivery.
 */
export function settingsByRepo(config: ServerConfig): {
  allowed(fullName: string): boolean;
  settingsFor(fullName: string): IngressSettings;
} {
  const known = new Map<string, { allowed: boolean; settings: IngressSettings }>();
  const of = (fullName: string) => {
    let entry = known.get(fullName);
    if (!entry) {
      if (known.size >= MAX_REMEMBERED) known.clear();
      entry = { allowed: repoAllowed(config, fullName), settings: ingressSettings(serverConfigFor(config, fullName).config) };
      known.set(fullName, entry);
    }
    return entry;
  };
  return { allowed: (fullName) => of(fullName).allowed, settingsFor: (fullName) => of(fullName).settings };
}
