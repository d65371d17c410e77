import { describe, expect, it } from "vitest";
import { destroyFailed } from "../../src/jobs/preview/destroy-preview.js";
import type { PreviewContext } from "../../src/jobs/preview/preview-context.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { previewRecord } from "../support/preview-record.js";

/**
 * A preview's last result is kept for the console's Previews page and GET /api/v1/previews, which
 * every reader of the repository sees. A failed destroy's is the tool's message (a plan's or an
 * apply's, the read-back's `terraform state pull` stderr line among them): kept as is, a secret in
 * it was on that page and in the log, where the PR's preview comment shows it redacted.
 */
const SECRET = "s3cr3t-backend-token";

describe("a failed preview destroy's kept result", () => {
  it("attack: is redacted with the run's secrets, in the store and the log (control: the rest as said)", async () => {
    const store = openSqliteStore(":memory:");
    const logged: string[] = [];
    const ctx = {
      deps: { store, log: { warn: (_o: object, m: string) => logged.push(m) } },
      job: { id: 1 },
      now: () => 1_000,
      secrets: { redact: (t: string) => t.replaceAll(SECRET, "***") },
    } as unknown as Pick<PreviewContext, "deps" | "job" | "now" | "secrets">;
    const record = previewRecord();
    await store.savePreview(record);
    const out = await destroyFailed(ctx, record, `apply failed: GET https://state.example/x?token=${SECRET}: 503`);
    const kept = await store.getPreview({ repo: record.repo, pr: record.pr, project: record.project });
    expect(kept?.lastResult).toBe("destroy failed: apply failed: GET https://state.example/x?token=***: 503");
    expect(out.notice).not.toContain(SECRET);
    expect(logged.join("\n")).not.toContain(SECRET);
    expect(logged.join("\n")).toContain("token=***");
    await store.close();
  });
});
