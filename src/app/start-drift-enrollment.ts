import type { Logger } from "pino";
import type { Probot } from "probot";
import { repoAllowed } from "../config/server-config-for.js";
import type { ServerConfig } from "../config/server-config.js";
import { type EnrollOptions, enrollRepos } from "../drift/enroll-repos.js";
import { errorMessage } from "../util/errors.js";
import { listInstalledRepos } from "../vcs/github/installed-repos.js";

/**
 * Server-wide drift schedules reach every installed repo: enrolled at start and then hourly, when
 * any repository's settings can give it a schedule. Returns the stop.
 */
export function startDriftEnrollment(deps: {
  probot: Probot;
  store: EnrollOptions["store"];
  config: ServerConfig;
  wake: () => void;
  log: Logger;
}): () => void {
  const { probot, store, config, wake, log } = deps;
  const enroll = () =>
    enrollRepos({
      list: () => listInstalledRepos(probot),
      store,
      allowed: (fullName) => repoAllowed(config, fullName),
      wake,
      log,
    }).catch((e: unknown) => log.warn({ err: errorMessage(e) }, "drift: could not enroll installed repositories"));
  // Any repository's settings (top level or a `repos:` entry) may give it a schedule.
  const driftAnywhere = [config, ...config.repoRules.map((r) => r.settings as Partial<ServerConfig>)].some(
    (c) => c.drift?.schedule || c.allowed_overrides?.includes("drift"),
  );
  const enrollTimer = driftAnywhere ? setInterval(() => void enroll(), 3_600_000) : undefined;
  if (enrollTimer) {
    enrollTimer.unref();
    void enroll();
  }
  return () => {
    if (enrollTimer) clearInterval(enrollTimer);
  };
}
