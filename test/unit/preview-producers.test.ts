import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { previewProject, previewProjects, previewSettings } from "../../src/jobs/preview/preview-context.js";
import { previewInputs } from "../../src/jobs/preview/preview-inputs.js";
import type { Project } from "../../src/model/project.js";
import { producersFirst, withPreviewDependents } from "../../src/preview/producers-first.js";
import { previewRecord } from "../support/preview-record.js";

// A preview and its producers' previews: whose rules each is read under, and which previews a
// producer's teardown takes with it.

const CONFIG = `version: 1
projects:
  - name: app
    dir: app
    terraform_binary: tofu
    inputs_from: { vpc_id: network.vpc_id }
    preview: {}
  - name: network
    dir: network
    terraform_binary: terraform1.9
    preview: {}
  - name: db
    dir: db
`;

function setting() {
  const cfg = loadRepoConfig({ sluice: CONFIG });
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  const server = parseServerConfig('allowed_overrides: [preview]\nnetwork: { "acme/web:app": none }\n');
  const named = (name: string): Project => {
    const p = cfg.config.projects.find((q) => q.name === name);
    if (!p) throw new Error(`no project ${name}`);
    return p;
  };
  const [app, network, db] = [named("app"), named("network"), named("db")];
  return { settings: repoSettings(server, "acme/web", cfg.config), app, network, db };
}

describe("previewSettings: each preview is read under its own trusted project's rules", () => {
  it("a producer's preview gets its own network rule and binary, not the consumer's", () => {
    const { settings, app, network, db } = setting();
    const appPreview = previewProject(previewRecord({ project: "app", dir: "app" }), app);
    const networkPreview = previewProject(previewRecord({ project: "network", dir: "network" }), network);
    const read = previewSettings(settings, [
      { project: appPreview, trusted: app },
      { project: networkPreview, trusted: network },
    ]);
    expect([read.networkFor(appPreview), read.binaryFor(appPreview)]).toEqual(["none", "tofu"]);
    expect([read.networkFor(networkPreview), read.binaryFor(networkPreview)]).toEqual(["on", "terraform1.9"]);
    // A producer without a preview is looked up as it is.
    expect([read.networkFor(db), read.binaryFor(db)]).toEqual([settings.networkFor(db), settings.binaryFor(db)]);
    // The preview workspace alone names no rule: without the mapping, no binary of its project.
    expect(settings.binaryFor(networkPreview)).toBeUndefined();
  });

  it("a project of the same name elsewhere (another dir or workspace) is not taken for the preview", () => {
    const { settings, app } = setting();
    const appPreview = previewProject(previewRecord({ project: "app", dir: "app" }), app);
    const read = previewSettings(settings, [{ project: appPreview, trusted: app }]);
    const stray: Project = { ...appPreview, dir: "elsewhere" };
    expect(read.binaryFor(stray)).toBe(settings.binaryFor(stray));
    expect(read.binaryFor(stray)).toBeUndefined();
  });
});

describe("previews and their producers", () => {
  it("previewProjects carries each preview's trusted project, and skips destroyed ones", () => {
    const { network } = setting();
    const map = previewProjects(
      [previewRecord({ project: "network", dir: "network" }), previewRecord({ project: "app", status: "destroyed" })],
      [network],
    );
    expect([...map.keys()]).toEqual(["network"]);
    expect(map.get("network")).toEqual({
      project: previewProject(previewRecord({ project: "network", dir: "network" }), network),
      trusted: network,
    });
  });

  it("a producer's teardown takes its dependents, transitively, destroyed before it", () => {
    const p = (name: string, from?: string): Project => ({
      name,
      dir: name,
      workspace: "default",
      runner: "terraform",
      ...(from ? { inputsFrom: { x: { project: from, output: "x" } } } : {}),
    });
    const all = [p("app", "network"), p("network", "base"), p("base"), p("web", "app"), p("other")];
    const taken = withPreviewDependents([p("network", "base")], all);
    expect(taken.map((t) => t.name).sort()).toEqual(["app", "network", "web"]);
    expect(
      producersFirst(taken)
        .reverse()
        .map((t) => t.name),
    ).toEqual(["web", "app", "network"]);
    expect(withPreviewDependents([p("other")], all).map((t) => t.name)).toEqual(["other"]);
  });

  it("a producer that must be read from a preview and has none: the dependent's inputs say so, nothing is read", async () => {
    const { app, network } = setting();
    // Empty stand-ins: reading anything (a checkout, a tool, the store) would throw here.
    const ctx = { deps: {}, job: {}, settings: {}, secrets: {}, checkout: {}, pr: {} } as unknown as Parameters<typeof previewInputs>[0];
    const got = await previewInputs(ctx, app, [app, network], { previews: new Map(), previewOnly: new Set(["network"]) });
    expect(got).toEqual({ ok: false, error: "its producer network has no preview in this pull request" });
  });
});
