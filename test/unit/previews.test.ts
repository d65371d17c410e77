import { describe, expect, it } from "vitest";
import { parseComment } from "../../src/command/parse-comment.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { previewArgs, previewUrl, shownOutputs } from "../../src/jobs/preview/preview-context.js";
import { expiredBecause, nextDestroyAttempt, previewExpiresAt } from "../../src/preview/preview-expiry.js";
import { previewHolding, previewWorkspace, templateProblem } from "../../src/preview/preview-workspace.js";
import { PREVIEW_MARKER, renderPreviewComment } from "../../src/preview/render-preview.js";
import { sweepPreviews } from "../../src/preview/sweep-previews.js";
import { previewsCounted } from "../../src/store/preview-store.js";
import { parseDuration } from "../../src/util/duration.js";
import { createRedactor } from "../../src/util/redact.js";
import type { PreviewRecord } from "../../src/model/preview.js";
import { previewRecord as record } from "../support/preview-record.js";

const H = 3600_000;
const app = { name: "app", dir: "app", workspace: "default", runner: "terraform" as const };

function load(yaml: string) {
  return loadRepoConfig({ sluice: yaml });
}
const withPreview = (preview: string) => `version: 1\nprojects:\n  - name: app\n    dir: app\n    preview:\n${preview}`;

describe("preview workspaces: never production's, never a path", () => {
  it.each([
    ["default", "must contain {number}"],
    ["prod", "must contain {number}"],
    ["../{number}", "may hold only"],
    ["pr/{number}", "may hold only"],
    ["{number}-{number}x", "may hold only"],
    ["preview_{number}", undefined],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template an attacker writes with an HCL-style placeholder
    ["pr-{number}-${var}", "may hold only"],
  ])("template %s", (template, problem) => {
    const p = templateProblem(template);
    if (problem) expect(p).toContain(problem);
    else expect(p).toBeUndefined();
  });

  it("refuses a workspace a real project of the repository uses, and gives each PR its own", () => {
    expect(previewWorkspace("pr-{number}", 12, ["default", "staging"])).toEqual({ ok: true, workspace: "pr-12" });
    const clash = previewWorkspace("pr-{number}", 1, ["default", "pr-1"]);
    expect(clash.ok ? "" : clash.reason).toContain("belongs to a project of this repository");
    const none = previewWorkspace("pr-{number}", 0, []);
    expect(none.ok).toBe(false);
  });

  it("a workspace (Terraform: of the same dir) or namespace another project's or PR's preview stands in is taken", () => {
    const live = record({ project: "app-prod", pr: 13, workspace: "pr-13" });
    const want = { pr: 13, project: "app-staging", dir: "app", workspace: "pr-13", runner: "terraform" as const };
    expect(previewHolding([live], want)?.project).toBe("app-prod");
    // #3's `pr-1{number}` meets #13's `pr-{number}`.
    expect(previewHolding([live], { ...want, pr: 3, project: "app-prod" })?.pr).toBe(13);
    const web = record({ project: "web", dir: "charts/web", runner: "helm", workspace: "pr-13", pr: 13 });
    expect(previewHolding([web], { ...want, dir: "charts/api", runner: "kustomize" })?.project).toBe("web");
    // Controls: its own preview, a destroyed one, another dir's workspace of the same name, a namespace named like a workspace.
    expect(previewHolding([live], { ...want, project: "app-prod" })).toBeUndefined();
    expect(previewHolding([{ ...live, status: "destroyed" }], want)).toBeUndefined();
    expect(previewHolding([live], { ...want, dir: "other" })).toBeUndefined();
    expect(previewHolding([web], want)).toBeUndefined();
  });

  it("the repo config refuses bad templates, durations and var files at load time, with the key", () => {
    for (const [yaml, key] of [
      [withPreview('      workspace: "default"\n'), "projects[0].preview.workspace"],
      [withPreview('      workspace: "../{number}"\n'), "projects[0].preview.workspace"],
      [withPreview("      ttl: soon\n"), "projects[0].preview.ttl"],
      [withPreview("      var_files: [../../../etc/passwd]\n"), "projects[0].preview.var_files[0]"],
      [withPreview('      namespace: "pr-{number}"\n'), "projects[0].preview.namespace: is not a setting of terraform previews"],
      [withPreview("      vars: { a.b: 1 }\n"), 'projects[0].preview.vars: "a.b" is not a Terraform variable name'],
      [withPreview("      url: ftp://x/{number}\n"), "projects[0].preview.url: must be an http(s) URL"],
      [
        "version: 1\nprojects:\n  - name: web\n    dir: web\n    runner: terragrunt\n    preview: {}\n",
        "projects[0].preview: is not supported for terragrunt units",
      ],
    ] as const) {
      const r = load(yaml);
      expect(r.ok).toBe(false);
      expect(r.ok ? "" : r.errors.join("\n")).toContain(key);
    }
    const ok = load(
      withPreview("      url_output: url\n      ttl: 72h\n      max_age: 7d\n      vars: { size: 1 }\n      var_files: [preview.tfvars]\n"),
    );
    if (!ok.ok) throw new Error(ok.errors.join("\n"));
    expect(ok.config.projects[0]?.preview).toEqual({
      workspace: "pr-{number}",
      varFiles: ["preview.tfvars"],
      vars: { size: "1" },
      urlOutput: "url",
      ttlMs: 72 * H,
      maxAgeMs: 7 * 24 * H,
    });
  });
});

describe("preview settings are trusted and opt-in", () => {
  const trusted = load(withPreview("      ttl: 24h\n"));
  if (!trusted.ok) throw new Error("fixture");
  it("only where the server allows `preview`, and only from the trusted config", () => {
    expect(repoSettings(parseServerConfig(""), "acme/web", trusted.config).previewFor(app)).toBeUndefined();
    const allowed = parseServerConfig("allowed_overrides: [preview]\n");
    expect(repoSettings(allowed, "acme/web", trusted.config).previewFor(app)?.ttlMs).toBe(24 * H);
    // The settings are built from the base branch's config: a PR's config without the key gives none.
    const plain = load("version: 1\nprojects:\n  - name: app\n    dir: app\n");
    if (!plain.ok) throw new Error("fixture");
    expect(repoSettings(allowed, "acme/web", plain.config).previewFor(app)).toBeUndefined();
  });

  it("a project renamed by the PR keeps the trusted project's preview (found by dir and workspace)", () => {
    const allowed = parseServerConfig("allowed_overrides: [preview]\n");
    expect(repoSettings(allowed, "acme/web", trusted.config).previewFor({ ...app, name: "renamed" })?.ttlMs).toBe(24 * H);
  });

  it("max_previews and previews_from_forks have safe defaults", () => {
    const c = parseServerConfig("");
    expect([c.max_previews, c.previews_from_forks]).toEqual([10, false]);
  });
});

describe("time: TTL since the last push, max_age as the hard end (clock injected)", () => {
  it("expires after the TTL without a push; a push or /preview extend moves it; max_age ends it anyway", () => {
    const p = record({ ttlMs: 72 * H, maxAgeMs: 100 * H, createdAt: 0, lastPushAt: 10 * H });
    expect(previewExpiresAt(p)).toBe(82 * H);
    expect(expiredBecause(p, 81 * H)).toBeUndefined();
    expect(expiredBecause(p, 82 * H)).toContain("ttl");
    const extended = { ...p, extendedUntil: 99 * H };
    expect(previewExpiresAt(extended)).toBe(99 * H);
    const tooLong = { ...p, extendedUntil: 500 * H };
    expect(previewExpiresAt(tooLong)).toBe(100 * H);
    expect(expiredBecause(tooLong, 100 * H)).toContain("max_age");
    expect(expiredBecause(record(), 10_000 * H)).toBeUndefined();
    expect(expiredBecause({ ...p, status: "destroying" }, 1000 * H)).toBeUndefined();
  });

  it("a failed destroy is retried with backoff, at most an hour apart", () => {
    expect(nextDestroyAttempt(1, 0)).toBe(60_000);
    expect(nextDestroyAttempt(3, 0)).toBe(240_000);
    expect(nextDestroyAttempt(30, 0)).toBe(H);
  });

  it("durations", () => {
    expect(["90s", "30m", "72h", "7d", "0h", "1w", "-1h", ""].map(parseDuration)).toEqual([
      90_000,
      1_800_000,
      72 * H,
      7 * 24 * H,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("the sweep: nothing leaks", () => {
  const now = 1000 * H;
  const sweep = (previews: PreviewRecord[], busy = false, lastCheck?: number) =>
    sweepPreviews(
      previews,
      now,
      () => busy,
      () => lastCheck,
      H,
    ).map((a) => [a.kind, a.preview.pr, "reason" in a ? a.reason : ""]);

  it.each([
    ["TTL passed", record({ pr: 1, ttlMs: H, lastPushAt: now - 2 * H }), ["destroy", 1, "its `ttl` passed with no push"]],
    [
      "failed destroy due",
      record({ pr: 2, status: "destroy-failed", nextAttemptAt: now - 1, destroyAttempts: 2 }),
      ["destroy", 2, "retrying a failed destroy (attempt 3)"],
    ],
    ["interrupted destroy", record({ pr: 3, status: "destroying" }), ["destroy", 3, "finishing a destroy that was interrupted"]],
    ["interrupted apply", record({ pr: 4, status: "applying" }), ["interrupted", 4, ""]],
    ["live, never checked", record({ pr: 5 }), ["check", 5, ""]],
  ])("%s", (_, preview, action) => {
    expect(sweep([preview])).toEqual([action]);
  });

  it("leaves alone what is not due, what a job is busy with, and what was checked lately", () => {
    expect(sweep([record({ status: "destroy-failed", nextAttemptAt: now + 1 })], false, now)).toEqual([]);
    expect(sweep([record({ status: "destroying" })], true)).toEqual([]);
    expect(sweep([record()], false, now - 1)).toEqual([]);
  });

  it("max_previews counts other PRs' previews that are not destroyed", () => {
    const all = [record({ pr: 1 }), record({ pr: 1, project: "api" }), record({ pr: 2, status: "destroyed" }), record({ pr: 3 })];
    expect(previewsCounted(all, 3)).toBe(1);
    expect(previewsCounted(all, 9)).toBe(2);
  });
});

describe("/preview commands", () => {
  it.each([
    ["/preview destroy", { kind: "preview", action: "destroy", filter: {} }],
    ["/preview recreate -p app", { kind: "preview", action: "recreate", filter: { project: "app" } }],
    ["/preview extend 24h", { kind: "preview", action: "extend", extendMs: 24 * H, filter: {} }],
    ["sluice preview extend 3d --project=app", { kind: "preview", action: "extend", extendMs: 72 * H, filter: { project: "app" } }],
  ])("%s", (line, command) => {
    expect(parseComment(line)).toEqual({ type: "command", command });
  });

  it.each([
    ["/preview", "is not understood"],
    ["/preview extend", "is not understood"],
    ["/preview extend forever", "is not a duration"],
    ["/preview extend 400d", "is not a duration"],
    ["/preview destroy -p", "give `-p PROJECT` once"],
    ["/preview destroy -p a -p b", "give `-p PROJECT` once"],
    ["/preview destroy now", "is not understood"],
  ])("%s is refused with usage", (line, says) => {
    const r = parseComment(line);
    expect(r.type).toBe("invalid");
    expect(r.type === "invalid" ? r.reason : "").toContain(says);
  });
});

describe("what a preview shows and passes on", () => {
  it("only http(s) URLs from the output become links and environment URLs", () => {
    const redact = createRedactor();
    expect(previewUrl("https://pr-7.example.test", redact)).toBe("https://pr-7.example.test");
    for (const bad of ["javascript:alert(1)", "file:///etc/passwd", "not a url", 42, undefined])
      expect(previewUrl(bad, redact)).toBeUndefined();
  });

  it("a URL that holds a secret becomes no link and no environment URL (GitHub's deployment is not redacted, the link text is cut)", () => {
    const secret = "AKIAxyzPreviewCredential-91c2e";
    const redact = createRedactor({ secrets: [secret] });
    const at = "https://pr-7.example.test";
    // The attack: an output the PR computes from a credential its run received. The comment's link
    // text is cut at 200 characters before the body is redacted: padded so that the cut falls in the
    // secret's last character, all the rest of it showed, and the Deployment got it whole.
    const padded = `${at}/${"a".repeat(200 - at.length - secret.length)}?k=${secret}`;
    const body = redact(renderPreviewComment([record({ url: padded, ttlMs: 72 * H })], [], new Map(), 0));
    expect(body).toContain(secret.slice(0, -5));
    for (const url of [padded, `${at}/?k=${secret}`, `${at}/${Buffer.from(secret).toString("base64url")}`])
      expect(previewUrl(url, redact)).toBeUndefined();
    // Control: a URL with no secret in it is the preview's URL, as before.
    expect(previewUrl(`${at}/?k=plain`, redact)).toBe(`${at}/?k=plain`);
  });

  it("sensitive outputs are never read into Sluice", () => {
    expect(
      shownOutputs({
        url: { value: "https://x", sensitive: false, known: true },
        token: { value: "s3cret", sensitive: true, known: true },
        later: { value: null, sensitive: false, known: false },
      }),
    ).toEqual({ url: "https://x" });
  });

  it("variables become -var-file and -var arguments (the runner checks the files stay inside the checkout)", () => {
    expect(previewArgs({ varFiles: ["preview.tfvars"], vars: { flavor: "preview" }, runner: "terraform" })).toEqual([
      "-var-file=preview.tfvars",
      "-var=flavor=preview",
    ]);
    // A Helm preview's values are in its project, never arguments (helm projects take none).
    expect(previewArgs({ varFiles: ["values-preview.yaml"], vars: { replicas: "1" }, runner: "helm" })).toEqual([]);
  });

  it("the comment: Sluice's marker first, each preview's row, values escaped", () => {
    const body = renderPreviewComment(
      [
        record({ url: "https://pr-7.example.test", ttlMs: 72 * H, lastResult: "applied | <b>x</b>" }),
        record({ project: "api", status: "destroyed" }),
      ],
      ["No preview of db: the cap."],
      new Map([["app", "Plan: 1 to add"]]),
      0,
    );
    expect(body.split("\n")[0]).toBe(PREVIEW_MARKER);
    expect(body).toContain("✅ live");
    expect(body).toContain("(https://pr-7.example.test)");
    expect(body).toContain("🗑️ destroyed");
    expect(body).toContain("1970-01-04 00:00 UTC");
    expect(body).not.toContain("<b>");
    expect(body).toContain("\\|");
    expect(body).toContain("No preview of db: the cap.");
  });
  it("a notice's text from a run (helm's error line: a chart's `fail` on upgrade) is no link, image or mention", () => {
    const fromChart =
      "web: apply failed: helm upgrade exited with code 1: Error: UPGRADE FAILED: execution error at (web/templates/x.yaml:1:4): [Approved, apply now](https://evil.example/a) <img src=https://evil.example/t.png> @acme/admins";
    const ours = "@\u200bcarol extended the previews by 1d (never past `max_age`).";
    const body = renderPreviewComment([], [fromChart, ours], new Map(), 0);
    expect(body).not.toMatch(/\]\(https:\/\/evil/);
    expect(body).not.toContain("<img");
    expect(body).not.toContain("@acme/admins");
    // Control: Sluice's own wording still reads, its code spans kept.
    expect(body).toContain("carol extended the previews by 1d (never past `max_age`).");
    expect(body).toContain("UPGRADE FAILED");
  });

  it("a secret in a notice or a last result is redacted before either is escaped (escaped, the redaction would miss it)", () => {
    const secret = "tok_Preview*Credential_91c2e";
    const redact = createRedactor({ secrets: [secret] });
    const body = redact(
      renderPreviewComment([record({ lastResult: `apply failed: ${secret}` })], [`app: ${secret}`], new Map(), 0, redact),
    );
    expect(body).not.toContain("Preview\\*Credential");
    expect(body).not.toContain("Credential\\_91c2e");
    // Control: the rest of each still reads.
    expect(body).toContain("apply failed:");
    expect(body).toContain("- app:");
  });
});
