import type { PlanRules } from "../model/plan-content.js";
import type { trustedProjectFor } from "./repo-settings.js";
import type { ServerConfig } from "./server-config.js";

type OverrideKey = ServerConfig["allowed_overrides"][number];

/** See RepoSettings.planRulesFor. */
export function planRulesOf(
  server: ServerConfig,
  file: string,
  own: ReturnType<typeof trustedProjectFor>,
  may: (key: OverrideKey) => boolean,
): PlanRules {
  const fromServer = "server config";
  const fromRepo = `${file} (project ${own?.name ?? ""})`;
  // Protection only ever adds refusals: the base branch's is honoured without an override.
  const protect = [
    ...server.protect.map((pattern) => ({ pattern, source: fromServer })),
    ...(own?.protect ?? []).map((pattern) => ({ pattern, source: fromRepo })),
  ];
  const destroy =
    may("destroy") && own?.destroyRule
      ? { ...own.destroyRule, source: fromRepo }
      : server.destroy
        ? { ...server.destroy, source: fromServer }
        : undefined;
  const autoApprove =
    may("auto_approve") && own?.autoApprove
      ? { ...own.autoApprove, source: fromRepo }
      : server.auto_approve
        ? { ...server.auto_approve, source: fromServer }
        : undefined;
  return {
    protect,
    owners: [...new Set([...server.admins, ...server.protect_owners])],
    ...(destroy ? { destroy } : {}),
    ...(autoApprove ? { autoApprove } : {}),
  };
}
