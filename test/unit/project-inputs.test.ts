import { describe, expect, it } from "vitest";
import { orderProjects } from "../../src/config/repo/check-project-graph.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { parseOutputRef } from "../../src/config/repo/input-refs.js";
import { canonicalJson, inputDigest } from "../../src/inputs/input-digest.js";
import { sensitiveTexts, tfVarText } from "../../src/inputs/input-value-text.js";
import { type ConsumerVariables, producersToRead, resolveInputs } from "../../src/inputs/resolve-inputs.js";
import { describeStaleInputs, staleInputs } from "../../src/inputs/stale-inputs.js";
import { dependentsToReplan } from "../../src/inputs/dependents-to-replan.js";
import { producersOutside, withDependents } from "../../src/inputs/with-dependents.js";
import { planOrder } from "../../src/tool-runs/plan-order.js";
import { trustedMapping } from "../../src/tool-runs/gather-inputs.js";
import type { Project } from "../../src/model/project.js";
import type { ProjectResult } from "../../src/model/project-result.js";
import { replanDependents } from "../../src/jobs/replan-dependents.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob } from "../fakes/fake-jobs.js";
import type { OutputValues } from "../../src/model/project-inputs.js";
import type { ProjectConfig, RepoConfig } from "../../src/model/repo-config.js";

// The pure parts of outputs between projects: config keys, the graph, value mapping, staleness.

function load(sluice: string) {
  return loadRepoConfig({ sluice });
}
const errors = (sluice: string) => {
  const r = load(sluice);
  return r.ok ? [] : r.errors;
};
const config = (sluice: string): RepoConfig => {
  const r = load(sluice);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};

const TWO = `version: 1
projects:
  - name: network
    dir: network
  - name: app
    dir: app
    inputs_from:
      vpc_id: network.vpc_id
  - name: web
    dir: web
    runner: helm
    values_from:
      image.tag: network.image_tag
`;

describe("inputs_from / values_from in the repo config", () => {
  it("reads both into the projects", () => {
    const c = config(TWO);
    expect(c.projects.find((p) => p.name === "app")?.inputsFrom).toEqual({ vpc_id: { project: "network", output: "vpc_id" } });
    expect(c.projects.find((p) => p.name === "web")?.valuesFrom).toEqual({ "image.tag": { project: "network", output: "image_tag" } });
  });

  it("splits PROJECT.OUTPUT at the last dot (project names may hold dots)", () => {
    expect(parseOutputRef("envs.prod.net.vpc_id")).toEqual({ project: "envs.prod.net", output: "vpc_id" });
    expect(parseOutputRef("network")).toBeUndefined();
    expect(parseOutputRef(".vpc")).toBeUndefined();
    expect(parseOutputRef("network.")).toBeUndefined();
    expect(parseOutputRef("network.a b")).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ["an unknown project", "      vpc_id: ghost.vpc_id", "no project named ghost in this file (for output vpc_id)"],
    ["its own output", "      vpc_id: app.vpc_id", "a project cannot take inputs from its own outputs (app.vpc_id)"],
    ["no output part", "      vpc_id: network", "must be PROJECT.OUTPUT"],
    ["a variable name that is no identifier", "      'a=b': network.vpc_id", "must be keyed by Terraform variable names"],
  ])("refuses %s", (_, line, message) => {
    const yaml = TWO.replace("      vpc_id: network.vpc_id", line);
    expect(errors(yaml).join("\n")).toContain(message);
  });

  it("refuses a Helm key helm would parse as syntax, and each setting on the wrong runner", () => {
    expect(errors(TWO.replace("image.tag: network.image_tag", "'a,b=c': network.image_tag")).join("\n")).toContain(
      "must be keyed by dotted Helm value keys",
    );
    expect(errors(TWO.replace("    runner: helm\n    values_from:", "    runner: helm\n    inputs_from:")).join("\n")).toContain(
      "it is for terraform and opentofu projects, not runner helm",
    );
    expect(errors(TWO.replace("    inputs_from:\n      vpc_id", "    values_from:\n      vpc_id")).join("\n")).toContain(
      "it is for helm projects, not runner terraform",
    );
  });

  it("refuses a cycle, naming it, also one through depends_on", () => {
    const cyclic = TWO.replace(
      "  - name: network\n    dir: network\n",
      "  - name: network\n    dir: network\n    inputs_from:\n      x: web.y\n",
    );
    expect(errors(cyclic).join("\n")).toMatch(/inputs_from cycle: (network -> web -> network|web -> network -> web)/);
    const mixed = TWO.replace("  - name: network\n    dir: network\n", "  - name: network\n    dir: network\n    depends_on: [app]\n");
    expect(errors(mixed).join("\n")).toContain("inputs_from cycle: network -> app -> network");
  });

  it("takes inputs_from in atlantis.yaml too", () => {
    const r = loadRepoConfig({
      atlantis:
        "version: 3\nprojects:\n  - name: net\n    dir: net\n  - name: app\n    dir: app\n    inputs_from:\n      vpc: net.vpc_id\n",
    });
    expect(r.ok && r.config.projects[1]?.inputsFrom).toEqual({ vpc: { project: "net", output: "vpc_id" } });
    expect(r.ok && r.config.warnings).toEqual([]);
  });
});

const proj = (name: string, more: Partial<Project> = {}): Project => ({
  name,
  dir: name,
  workspace: "default",
  runner: "terraform",
  ...more,
});
const ref = (text: string) => parseOutputRef(text) as NonNullable<ReturnType<typeof parseOutputRef>>;

describe("ordering: a producer plans and applies before what takes its outputs", () => {
  const node = (name: string, more: Partial<ProjectConfig> = {}): ProjectConfig => ({
    name,
    dir: name,
    workspace: "default",
    runner: "terraform",
    autoplan: { enabled: true, whenModified: [] },
    dependsOn: [],
    executionOrderGroup: 0,
    ...more,
  });
  it("orders by inputs as by depends_on", () => {
    const order = orderProjects([
      node("app", { inputsFrom: { v: ref("net.v") } }),
      node("net"),
      node("web", { valuesFrom: { t: ref("app.t") } }),
    ]);
    expect(order.ok && order.waves.map((w) => w.map((p) => p.name))).toEqual([["net"], ["app"], ["web"]]);
  });

  it("atlantis.yaml plans in group order, but a producer still plans first and its failure stops the dependent", () => {
    const c = config(TWO);
    const atlantis = { ...c, source: "atlantis.yaml" as const };
    const all = c.projects.map((p) => proj(p.name, { inputsFrom: p.inputsFrom, valuesFrom: p.valuesFrom }));
    const order = planOrder(atlantis, all, all, { plan: true });
    expect(order.ok && order.waves.map((w) => w.map((p) => p.name))).toEqual([["network"], ["app", "web"]]);
    expect(order.ok && order.dependsOn(all[1] as Project)).toEqual(["network"]);
  });
});

describe("which projects a change plans", () => {
  const all = [
    proj("net"),
    proj("app", { inputsFrom: { v: ref("net.vpc") } }),
    proj("web", { valuesFrom: { t: ref("app.tag") } }),
    proj("other"),
  ];
  it("adds every dependent of an affected producer, transitively, each saying why", () => {
    const out = withDependents(all, [proj("net")]);
    expect(out.map((p) => p.name)).toEqual(["net", "app", "web"]);
    expect(out[1]?.why).toEqual(["takes `net.vpc`, an output of `net`, which this change plans"]);
  });
  it("producers outside the selection are read (their dirs must be in the checkout)", () => {
    expect(producersOutside(all, [all[2] as Project]).map((p) => p.name)).toEqual(["app"]);
  });
  it("after an apply, re-plans pending dependents of what was applied", () => {
    expect(dependentsToReplan(all, ["net"], ["app", "web"])).toEqual([{ name: "app", producers: ["net"] }]);
    expect(dependentsToReplan(all, ["net", "app"], ["app", "web"])).toEqual([{ name: "web", producers: ["app"] }]);
    expect(dependentsToReplan(all, ["other"], ["app"])).toEqual([]);
  });
  it("the re-plan is queued for whoever applied, by account id too (apply_users are compared by it; control: no id, none made up)", async () => {
    const deps = await fakeJobDeps({});
    const applied = [{ project: all[0] as Project, status: "applied" } as ProjectResult];
    for (const actorId of [77, undefined]) {
      const job = runningJob({ kind: "apply", trigger: "comment", actor: "dave", ...(actorId !== undefined ? { actorId } : {}) });
      await replanDependents(deps, job, all, applied, ["app"]);
      const queued = await deps.store.claimNextJob();
      expect(queued?.spec).toMatchObject({ kind: "plan", actor: "dave", commandLine: "/plan -p app" });
      expect(queued?.spec && "actorId" in queued.spec ? queued.spec.actorId : undefined).toBe(actorId);
    }
  });
});

const D = "$";

describe("values as a tool takes them", () => {
  it.each<[unknown, string]>([
    ["vpc-123", "vpc-123"],
    [`a"b\nc ${D}{x}`, `a"b\nc ${D}{x}`],
    [3, "3"],
    [true, "true"],
    [["a", `${D}{file("/etc/passwd")}`], `["a","${D}${D}{file(\\"/etc/passwd\\")}"]`],
    [{ k: "%{if x}y%{endif}" }, '{"k":"%%{if x}y%%{endif}"}'],
    [null, "null"],
  ])("TF_VAR_ text of %j", (value, text) => {
    expect(tfVarText(value)).toBe(text);
  });

  it("sensitive texts: the whole value and each part long enough to mean something", () => {
    expect(sensitiveTexts({ user: "admin", pass: "hunter22", port: 80 }).sort()).toEqual(
      ['{"user":"admin","pass":"hunter22","port":80}', "admin", "hunter22"].sort(),
    );
  });

  it("digests: keyed, and the same for the same value whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(inputDigest("k", { a: 1, b: 2 })).toBe(inputDigest("k", { b: 2, a: 1 }));
    expect(inputDigest("k", "x")).not.toBe(inputDigest("other", "x"));
    expect(inputDigest("k", undefined)).not.toBe(inputDigest("k", null));
  });
});

const out = (value: unknown, more: Partial<OutputValues[string]> = {}) => ({ value, known: true, sensitive: false, ...more });
const digest = (v: unknown) => `d:${canonicalJson(v)}`;
const trustAll = () => true;
/** app's variables as its configuration declares them: the token sensitive. */
const declared: ConsumerVariables = {
  ok: true,
  variables: new Map([
    ["vpc_id", { sensitive: false, file: "app/main.tf" }],
    ["token", { sensitive: true, file: "app/main.tf" }],
  ]),
  unmarking: [],
};

describe("resolveInputs", () => {
  const app = proj("app", { inputsFrom: { vpc_id: ref("net.vpc_id"), token: ref("net.token") } });
  const web = proj("web", { runner: "helm", valuesFrom: { "image.tag": ref("net.tag"), pw: ref("net.token") } });

  it("takes the planned value when known, the current one when known only after apply, unset when neither", () => {
    const planned = new Map([["net", { vpc_id: out(undefined, { known: false }), token: out("s3cret-tok", { sensitive: true }) }]]);
    const r = resolveInputs(app, { planned, current: new Map() }, digest, trustAll, declared);
    expect(r.ok && r.env).toEqual({ TF_VAR_token: "s3cret-tok" });
    expect(r.ok && r.records).toEqual([
      { kind: "var", key: "vpc_id", from: "net.vpc_id", source: "unset", afterApply: true, digest: "d:undefined" },
      { kind: "var", key: "token", from: "net.token", source: "planned", digest: 'd:"s3cret-tok"' },
    ]);
    expect(r.ok && r.notes[0]).toContain("left unset (nothing in its state yet)");
    expect(r.ok && r.sensitive).toContain("s3cret-tok");

    const withState = resolveInputs(
      app,
      { planned, current: new Map([["net", { vpc_id: out("vpc-1"), token: out("old-token", { sensitive: true }) }]]) },
      digest,
      trustAll,
      declared,
    );
    expect(withState.ok && withState.env.TF_VAR_vpc_id).toBe("vpc-1");
    expect(withState.ok && withState.notes[0]).toContain("planned with its current value");
  });

  it("Helm: plain values as JSON, sensitive ones as files, the base side from state", () => {
    const current = new Map([["net", { tag: out("v1"), token: out("pw-123456", { sensitive: true }) }]]);
    const planned = new Map([["net", { tag: out("v2"), token: out("pw-123456", { sensitive: true }) }]]);
    const r = resolveInputs(web, { planned, current }, digest, trustAll, declared);
    expect(r.ok && r.values).toEqual({
      values: { "image.tag": "v2" },
      baseValues: { "image.tag": "v1" },
      secretValues: { pw: "pw-123456" },
    });
    expect(producersToRead(web, planned)).toEqual(["net"]);
    expect(producersToRead(app, new Map([["net", { vpc_id: out("x"), token: out("y") }]]))).toEqual([]);
  });

  it("names an output the producer does not have, and refuses a sensitive one without a trusted mapping", () => {
    const r = resolveInputs(app, { planned: new Map([["net", { vpc: out("x") }]]), current: new Map() }, digest, trustAll, declared);
    expect(!r.ok && r.error).toBe("input vpc_id takes net.vpc_id, but project net has no output `vpc_id`; it has `vpc`");
    const current = new Map([["net", { vpc_id: out("v"), token: out("t0ken-value", { sensitive: true }) }]]);
    const refused = resolveInputs(
      app,
      { planned: new Map(), current },
      digest,
      (kind, key) => !(kind === "var" && key === "token"),
      declared,
    );
    expect(!refused.ok && refused.error).toContain("input token takes net.token, a sensitive output");
  });

  it.each<[string, ConsumerVariables, string | undefined]>([
    ["declared sensitive (control)", declared, undefined],
    [
      "declared without sensitive",
      { ...declared, variables: new Map([["token", { sensitive: false, file: "app/vars.tf" }]]) },
      "input token takes net.token, a sensitive output, but variable `token` of app (app/vars.tf) is not declared `sensitive = true`: terraform would print what app computes from it (upper(), join(), …) in the plan. Add `sensitive = true` to the variable",
    ],
    [
      "not declared at all",
      { ...declared, variables: new Map() },
      "input token takes net.token, a sensitive output, but app declares no variable `token`: declare it with `sensitive = true`, or remove the mapping",
    ],
    [
      "declared sensitive, but the configuration strips the mark",
      { ...declared, unmarking: ["`app/main.tf`: nonsensitive()", "`mod/x.tf`: can()"] },
      "input token takes net.token, a sensitive output, but app calls functions whose results terraform does not mark sensitive even when computed from a secret (`app/main.tf`: nonsensitive(), `mod/x.tf`: can()): a project that takes a sensitive output may not call nonsensitive(), can() or try(), nor read a terraform_data (its `output` echoes its `input` unmarked once applied; depends_on and replace_triggered_by may name it), in its own files or its local modules",
    ],
    [
      "declarations that cannot be read",
      { ok: false, error: "`app/main.tf` has an HCL syntax error" },
      "input token takes net.token, a sensitive output, and Sluice cannot check how app declares variable `token`: `app/main.tf` has an HCL syntax error",
    ],
  ])("a sensitive output into a variable %s", (_name, vars, error) => {
    const current = new Map([["net", { vpc_id: out("v"), token: out("t0ken-value", { sensitive: true }) }]]);
    const r = resolveInputs(app, { planned: new Map(), current }, digest, trustAll, vars);
    if (error === undefined) expect(r.ok && r.env.TF_VAR_token).toBe("t0ken-value");
    else expect(r).toEqual({ ok: false, error });
    // A plain output needs no sensitive variable.
    const plain = new Map([["net", { vpc_id: out("v"), token: out("not-secret") }]]);
    expect(resolveInputs(app, { planned: new Map(), current: plain }, digest, trustAll, vars).ok).toBe(true);
  });

  it("a producer with no state yet leaves inputs unset, said so", () => {
    const r = resolveInputs(app, { planned: new Map(), current: new Map([["net", {}]]) }, digest, trustAll, declared);
    expect(r.ok && r.env).toEqual({});
    expect(r.ok && r.notes).toHaveLength(2);
  });
});

describe("staleInputs (the gate's inputs rule)", () => {
  const records = [
    { kind: "var" as const, key: "vpc_id", from: "net.vpc_id", source: "current" as const, digest: digest("vpc-1") },
    { kind: "var" as const, key: "tag", from: "net.tag", source: "planned" as const, digest: digest("v2") },
  ];
  it("nothing when the producer's outputs are what the plan used", () => {
    expect(staleInputs(records, new Map([["net", { vpc_id: out("vpc-1"), tag: out("v2") }]]), new Set(), digest)).toEqual([]);
  });
  it("a changed output, and a planned one whose producer is not applied yet", () => {
    const stale = staleInputs(records, new Map([["net", { vpc_id: out("vpc-2"), tag: out("v1") }]]), new Set(["net"]), digest);
    expect(stale).toEqual([
      { from: "net.vpc_id", producer: "net", notApplied: false },
      { from: "net.tag", producer: "net", notApplied: true },
    ]);
    expect(describeStaleInputs(stale.slice(0, 1), "app")).toBe(
      "inputs from net.vpc_id changed since this plan (net was applied); re-plan with /plan -p app",
    );
    expect(describeStaleInputs(stale.slice(1), "app")).toContain("apply net first");
  });
  it("an output that went away is stale", () => {
    expect(staleInputs(records.slice(0, 1), new Map([["net", {}]]), new Set(), digest)).toHaveLength(1);
  });
});

describe("trustedMapping (which sensitive outputs a plan may take)", () => {
  const base = [proj("app", { inputsFrom: { token: ref("net.token") } })];
  // Who the PR's project of each name is on the base branch: here, `net` is net.
  const known = (name: string) => ({ kind: "known" as const, repo: "acme/infra", name, dir: name, workspace: "default" });
  it("only a mapping the trusted config has, for the same project, key and output", () => {
    const same = trustedMapping(base, proj("app", { inputsFrom: { token: ref("net.token") } }), known);
    expect(same("var", "token", ref("net.token"))).toBe(true);
    expect(same("var", "token", ref("net.other"))).toBe(false);
    expect(same("var", "leak", ref("net.token"))).toBe(false);
    expect(same("value", "token", ref("net.token"))).toBe(false);
    // The same name on another dir is another project: a PR cannot borrow a trusted mapping by renaming.
    expect(trustedMapping(base, { ...proj("app"), dir: "elsewhere" }, known)("var", "token", ref("net.token"))).toBe(false);
    expect(trustedMapping(undefined, proj("app"), known)("var", "token", ref("net.token"))).toBe(false);
  });
  it("the producer is the base branch's project the mapping names, never another dir the PR calls by its name", () => {
    const app = proj("app", { inputsFrom: { token: ref("net.token") } });
    // The PR calls the base branch's `vault` dir `net`, and a dir the base branch lacks `net` too.
    const vault = () => ({ kind: "known" as const, repo: "acme/infra", name: "vault", dir: "vault", workspace: "default" });
    const fresh = () => ({ kind: "new" as const, repo: "acme/infra", dir: "scratch", workspace: "default" });
    expect(trustedMapping(base, app, vault)("var", "token", ref("net.token"))).toBe(false);
    expect(trustedMapping(base, app, fresh)("var", "token", ref("net.token"))).toBe(false);
    expect(trustedMapping(base, app, () => undefined)("var", "token", ref("net.token"))).toBe(false);
    // Control: net itself, whatever the PR calls it elsewhere.
    expect(trustedMapping(base, app, known)("var", "token", ref("net.token"))).toBe(true);
  });
});
