import type { ServerResponse } from "node:http";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { sendHtml } from "./http-replies.js";

const show = (v: unknown): string => (v === undefined ? "(unset)" : typeof v === "string" ? v : JSON.stringify(v));

/**
 * `/settings?repo=OWNER/NAME`: what `sluice config explain` prints, for a repository the viewer
 * can read: every repository-level setting, its value and where it came from, and the apply
 * windows, freezes and permissions that can hold its projects, with what each says now.
 */
export async function settingsPage(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer): Promise<void> {
  const repo = url.searchParams.get("repo") ?? "";
  const { deps, layout, message, readable } = ctx;
  // A repository the viewer cannot read has no settings for them.
  if (!/^[^/\s]+\/[^/\s]+$/.test(repo) || !readable(v, repo) || !deps.explain)
    // The same answer whether it does not exist or is not the viewer's: a name is never echoed.
    return message(res, 404, v, "No such repository", "There is no such repository you can see.", {
      href: "/",
      text: "Overview",
    });
  const e = deps.explain(repo);
  sendHtml(
    res,
    200,
    renderPage("settings", layout(v, `Settings of ${repo}`), {
      repo,
      allowed: e.allowed,
      allowedBy: e.allowedBy,
      settings: e.settings.map((s) => ({ key: s.key, value: show(s.value), source: s.source, repoMayOverride: s.repoMayOverride })),
      changeControl: deps.changeControl?.(repo),
    }),
  );
}
