import type { PreviewRecord } from "../../src/model/preview.js";

/** A live Terraform preview of project `app` of acme/web's PR #7, as the store keeps one; `over` changes any field. */
export function previewRecord(over: Partial<PreviewRecord> = {}): PreviewRecord {
  return {
    repo: "acme/web",
    pr: 7,
    project: "app",
    dir: "app",
    workspace: "pr-7",
    runner: "terraform",
    varFiles: [],
    vars: {},
    status: "live",
    headSha: "a".repeat(40),
    target: { installationId: 1, repo: { owner: "acme", name: "web" }, cloneUrl: "http://x/acme/web.git", pr: 7 },
    createdAt: 0,
    lastPushAt: 0,
    destroyAttempts: 0,
    lastResult: "applied aaaaaaa",
    updatedAt: 0,
    ...over,
  };
}
