import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLAIMS, NET, passFor, projectRunnerUnderTest } from "../fakes/project-runner-under-test.js";
import { testDir } from "../support/temp-dir.js";
import { liveRedactor } from "../../runners/live-redactor.js";
import { describe, expect, it } from "vitest";
import type { PlanRequest, Runner } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";

/**
 * The one project runner (issue #43): what every road gets the same, checked on the runner itself
 * with a fake tool and a recording sandbox: the missing-dir message, the mounts derived from the
 * request, and the redaction read when output arrives.
 */
const project = NET;
const claims = CLAIMS;

async function setUp(serverConfig = "", tool: Partial<Runner> = {}) {
  const seen: PlanRequest[] = [];
  const runner: Runner = {
    kind: "terraform",
    async plan(req) {
      seen.push(req);
      return {
        ok: true,
        summary: { add: 0, change: 0, destroy: 0, sensitiveValues: [] } as never,
        output: "",
        planFile: "/x",
        durationMs: 1,
      };
    },
    apply: async () => ({ ok: true, output: "", durationMs: 0, sensitiveValues: [] }),
    state: async () => ({ ok: true, output: "", durationMs: 0 }),
    ...tool,
  };
  const under = await projectRunnerUnderTest({
    runners: { terraform: runner, helm: { ...runner, kind: "helm" } },
    kind: "plan",
    serverConfig,
  });
  return { ...under, seen, checkout: testDir("sluice-runner-unit-") };
}

describe("the project runner", () => {
  it("a missing project dir is the same refusal on every road, before anything runs", async () => {
    const { tools, seen, scopes, checkout } = await setUp();
    const at = { onOutput: () => undefined };
    const results = [
      await tools.check(project, checkout),
      await tools.plan(project, { ...at, checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], claims }),
      await tools.apply(passFor("comment"), project, {
        ...at,
        checkoutDir: checkout,
        planFile: join(checkout, ".d/plan"),
        claims: () => claims,
      }),
      await tools.state(passFor("import"), project, {
        ...at,
        checkoutDir: checkout,
        dataDir: join(checkout, ".d"),
        operation: { kind: "rm", addresses: ["x.y"] },
        claims: () => claims,
      }),
      await tools.outputs(project, { checkoutDir: checkout, dataDir: join(checkout, ".d") }),
    ];
    const said = results.map((r) => (r && !r.ok ? `${r.failedStep}: ${r.message}` : "ran"));
    expect(new Set(said).size).toBe(1);
    expect(said[0]).toMatch(/^checkout: .*net/);
    expect(seen).toEqual([]);
    expect(scopes).toEqual([]);
    // Control: with the dir there, the plan runs.
    await mkdir(join(checkout, "net"));
    const ran = await tools.plan(project, { ...at, checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], claims });
    expect(ran.ok).toBe(true);
  });

  it("mounts what the request names: checkouts and data dir writable, policy sets read-only (a Terraform plan: no kubeconfig)", async () => {
    const policies = testDir("sluice-policies-");
    const config = `kubeconfigs: { "acme/*": /etc/kube/config }\npolicies:\n  policy_sets: [{ name: base, path: ${policies}, source: local, owners: { users: [alice] } }]\n`;
    const { tools, scopes, seen, checkout } = await setUp(config);
    await mkdir(join(checkout, "net"));
    const base = testDir("sluice-base-");
    const ran = await tools.plan(project, {
      checkoutDir: checkout,
      baseCheckoutDir: base,
      dataDir: join(checkout, ".d"),
      extraArgs: [],
      onOutput: () => undefined,
      claims,
    });
    expect(ran.ok).toBe(true);
    expect(scopes).toHaveLength(1);
    expect(scopes[0]?.writable).toEqual([checkout, join(checkout, ".d")]);
    expect(scopes[0]?.readable).toEqual([policies]);
    expect(seen[0]?.kubeconfig).toBeUndefined();
  });

  it("gives the repo's kubeconfig to Helm and Kustomize runs only, its credentials redacted; a Terraform plan never sees it", async () => {
    const dir = testDir("sluice-kube-");
    const kubeconfig = join(dir, "config");
    const token = "k8s-admin-token-7f3c9a1be2d44c0e";
    await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: ${token}\n`);
    const { tools, scopes, seen, secrets, checkout } = await setUp(`kubeconfigs: { "acme/*": ${kubeconfig} }\n`);
    await mkdir(join(checkout, "net"));
    await mkdir(join(checkout, "web"));
    const at = { checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], onOutput: () => undefined, claims };
    expect((await tools.plan(project, at)).ok).toBe(true);
    expect(scopes[0]?.readable).toEqual([]);
    expect(seen[0]?.kubeconfig).toBeUndefined();
    expect(secrets.redact(`token: ${token}`)).toContain(token);
    // Control: a Helm project of the same repo gets it mounted, and its token is a secret of the job.
    const web: Project = { name: "web", dir: "web", workspace: "default", runner: "helm" };
    expect((await tools.plan(web, at)).ok).toBe(true);
    expect(scopes[1]?.readable).toEqual([kubeconfig]);
    expect(seen[1]?.kubeconfig).toBe(kubeconfig);
    expect(secrets.redact(`token: ${token}`)).not.toContain(token);
  });

  it("a Helm plan gets the plan kubeconfig, its apply the apply one; with none for plans, a plan has no cluster", async () => {
    const dir = testDir("sluice-kube-");
    const [view, deploy] = [join(dir, "view"), join(dir, "deploy")];
    for (const f of [view, deploy]) await writeFile(f, "apiVersion: v1\nkind: Config\nusers: []\n");
    const web: Project = { name: "web", dir: "web", workspace: "default", runner: "helm" };
    const applied: string[] = [];
    const tool = {
      apply: async (req: { kubeconfig?: string }) => {
        applied.push(req.kubeconfig ?? "none");
        return { ok: true, output: "", durationMs: 0, sensitiveValues: [] };
      },
    };
    for (const [given, plans] of [
      [`{ apply: ${deploy}, plan: ${view} }`, view],
      [`{ apply: ${deploy} }`, undefined],
    ] as const) {
      const { tools, seen, checkout } = await setUp(`kubeconfigs: { "acme/*": ${given} }\n`, tool as never);
      await mkdir(join(checkout, "web"));
      const at = { checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], onOutput: () => undefined, claims };
      expect((await tools.plan(web, at)).ok).toBe(true);
      expect(seen[0]?.kubeconfig).toBe(plans);
      const planFile = join(checkout, ".d", "plan");
      await mkdir(join(checkout, ".d"), { recursive: true });
      await writeFile(planFile, "x");
      await tools.apply(passFor("comment", "web"), web, {
        checkoutDir: checkout,
        planFile,
        onOutput: () => undefined,
        claims: () => claims,
      } as never);
    }
    expect(applied).toEqual([deploy, deploy]);
  });

  it("a new Kubernetes project (a dir, or a workspace, the base branch does not have) never gets the repo's kubeconfig", async () => {
    const dir = testDir("sluice-kube-");
    const [deploy, sandbox] = [join(dir, "deploy"), join(dir, "sandbox")];
    for (const f of [deploy, sandbox]) await writeFile(f, "apiVersion: v1\nkind: Config\nusers: []\n");
    const applied: string[] = [];
    const tool = {
      apply: async (req: { kubeconfig?: string }) => {
        applied.push(req.kubeconfig ?? "none");
        return { ok: true, output: "", durationMs: 0, sensitiveValues: [] };
      },
    };
    const web: Project = { name: "web", dir: "web", workspace: "default", runner: "helm" };
    const impostors: Project[] = [
      { ...web, workspace: "sneak" },
      { ...web, name: "web", dir: "web2" },
    ];
    for (const [newProjects, expected] of [
      ["", undefined],
      [`new_projects: { kubeconfig: ${sandbox} }\n`, sandbox],
    ] as const) {
      const { tools, seen, checkout } = await setUp(`kubeconfigs: { "acme/*": ${deploy} }\n${newProjects}`, tool as never);
      const planFile = join(checkout, ".d", "plan");
      await mkdir(join(checkout, ".d"), { recursive: true });
      await writeFile(planFile, "x");
      for (const p of [web, ...impostors]) {
        await mkdir(join(checkout, p.dir), { recursive: true });
        const at = { checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], onOutput: () => undefined, claims };
        expect((await tools.plan(p, at)).ok).toBe(true);
        const ran = await tools.apply(passFor("comment", p.name), p, {
          checkoutDir: checkout,
          planFile,
          onOutput: () => undefined,
          claims: () => claims,
        } as never);
        if (p !== web && expected === undefined) {
          expect(ran.ok).toBe(false);
          expect(!ran.ok && ran.message).toMatch(/new project .*`new_projects.kubeconfig`/);
        }
      }
      // Control: the base branch's web plans and applies with the repo's; the impostors, new, with new_projects' or none.
      expect(seen.map((r) => r.kubeconfig)).toEqual([deploy, expected, expected]);
      const newOnes = expected === undefined ? [] : [expected, expected];
      expect(applied.splice(0)).toEqual([deploy, ...newOnes]);
    }
  });

  it("redacts with the job's secrets as they are when output arrives, not when the request was built", async () => {
    let printed = "";
    const { tools, secrets, checkout } = await setUp("", {
      async plan(req) {
        // Credentials and sensitive values join the secrets after the request is built.
        secrets.add(["late-secret-value-4242"]);
        printed = req.redact("token: late-secret-value-4242");
        return { ok: false, failedStep: "plan", message: "", output: "", durationMs: 0 };
      },
    });
    await mkdir(join(checkout, "net"));
    await tools.plan(project, { checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], onOutput: () => undefined, claims });
    expect(printed).not.toContain("late-secret-value-4242");
    expect(printed).toContain("token: ");
  });

  it("holds back a multi-line secret a read splits, learnt after the request was built (live output reads the redactor's secrets)", async () => {
    const multi = "-----X-TOKEN-----\nq8Zr4YtT2mWv9LpK3sHd\n7NcXe1BfUa6GjRo0Vy5\n-----END-----";
    let streamed = "";
    const { tools, secrets, checkout } = await setUp("", {
      async plan(req) {
        // As exec does: one live redactor over the run's output, built before the secret is known.
        const live = liveRedactor(req.redact, (s) => {
          streamed += s;
        });
        secrets.add([multi]);
        const cut = multi.indexOf("\n7Nc") + 1;
        live.push(`output:\n${multi.slice(0, cut)}`);
        // Control: the first read alone releases nothing of the secret's lines.
        expect(streamed).toBe("output:\n");
        live.push(`${multi.slice(cut)}\ndone\n`);
        live.flush();
        return { ok: false, failedStep: "plan", message: "", output: "", durationMs: 0 };
      },
    });
    await mkdir(join(checkout, "net"));
    await tools.plan(project, { checkoutDir: checkout, dataDir: join(checkout, ".d"), extraArgs: [], onOutput: () => undefined, claims });
    expect(streamed).not.toContain("q8Zr4YtT2mWv9LpK3sHd");
    expect(streamed).toContain("done\n");
  });
});
