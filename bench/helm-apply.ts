import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "../runners/exec.js";
import { createHelmRunner } from "../runners/helm/helm-runner.js";
import type { Project } from "../src/model/project.js";
import { installHelm } from "../scripts/install-helm.js";
import { clusterRelease, newCluster, STAND_IN, type StandInCluster, standIn } from "../test/support/k8s-stand-in.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms, pairedNoise, pairedRatio } from "./support/stats.js";

const CHART = join(import.meta.dirname, "../test/fixtures/charts/web");
const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** The chart at `dir` with `replicaCount: n`: each round's change, one Deployment updated. */
async function withReplicas(dir: string, n: number): Promise<void> {
  const values = join(dir, "values.yaml");
  await writeFile(values, (await readFile(values, "utf8")).replace(/replicaCount: \d+/, `replicaCount: ${n}`));
}

/** The operator's install of the chart as it is at `chart`, into release `web` of `apps`. */
const upgrade = (chart: string, cluster: StandInCluster, home: string) =>
  standIn(
    "helm",
    ["upgrade", "--install", "--create-namespace", "web", chart, "--namespace", "apps", "--kubeconfig", cluster.kubeconfig],
    home,
  );

/**
 * What a Helm apply's checks cost (what the upgrade renders against the cluster must be what was
 * planned, nothing the plan does not show deleted): Sluice's apply of a planned change (its
 * server-side dry run, `helm get manifest`, then the upgrade) against the `helm upgrade --install`
 * an operator runs for the same change, paired per round, each on a cluster of its own in the same
 * state. Both through the helm stand-in (real `helm template`, a file cluster): against a real
 * cluster each call costs an API round trip instead of a process start.
 */
export async function helmApply(opts: BenchOptions): Promise<Figure[]> {
  await installHelm();
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-helm-apply-"));
  try {
    const base = join(work, "base/charts/web");
    const head = join(work, "head/charts/web");
    const operator = join(work, "operator");
    await cp(CHART, base, { recursive: true });
    await cp(CHART, head, { recursive: true });
    await cp(CHART, operator, { recursive: true });
    const homes = { sluice: join(work, "home-sluice"), raw: join(work, "home-raw") };
    await mkdir(homes.sluice);
    await mkdir(homes.raw);
    const clusters = { sluice: await newCluster(work, "sluice"), raw: await newCluster(work, "raw") };
    await upgrade(base, clusters.sluice, homes.sluice);
    await upgrade(base, clusters.raw, homes.raw);
    const runner = createHelmRunner({ helmBinary: STAND_IN.helm });
    const reps = opts.quick ? 3 : 10;
    const applies: number[] = [];
    const raws: number[] = [];
    for (let round = 1; round <= reps + 1; round++) {
      // The base is what was applied last; the head changes it.
      await withReplicas(head, round + 2);
      await withReplicas(operator, round + 2);
      const dataDir = join(work, `data-${round}`);
      const checkout = join(work, "head");
      const planned = await runner.plan(
        {
          project,
          checkoutDir: checkout,
          baseCheckoutDir: join(work, "base"),
          dataDir,
          extraArgs: [],
          env,
          timeoutMs: 120_000,
          redact: (s) => s,
        },
        exec,
      );
      if (!planned.ok) throw new Error(`plan: ${planned.message}`);
      const req = {
        project,
        checkoutDir: checkout,
        dataDir,
        planFile: planned.planFile,
        env,
        timeoutMs: 120_000,
        redactWith: () => (s: string) => s,
      };
      const t0 = performance.now();
      const applied = await runner.apply({ ...req, kubeconfig: clusters.sluice.kubeconfig }, exec);
      const t1 = performance.now();
      await upgrade(operator, clusters.raw, homes.raw);
      const t2 = performance.now();
      if (!applied.ok) throw new Error(`apply: ${applied.message}`);
      const [ours, theirs] = [await clusterRelease(clusters.sluice, "apps", "web"), await clusterRelease(clusters.raw, "apps", "web")];
      if (ours?.version !== round + 1 || theirs?.version !== round + 1)
        throw new Error(`releases at ${ours?.version} / ${theirs?.version}, not ${round + 1}`);
      await withReplicas(base, round + 2);
      // The first round warms helm's caches and the page cache: not counted.
      if (round === 1) continue;
      applies.push(t1 - t0);
      raws.push(t2 - t1);
    }
    return [
      {
        ...figure(
          "helm-apply.checks cost",
          pairedRatio(applies, raws),
          "×upgrade",
          undefined,
          `Sluice's apply ${ms(median(applies))} (two renders, the dry run beside the release's manifest, the upgrade, the release read back) vs helm upgrade --install ${ms(median(raws))}, helm stand-in, median of ${reps}`,
        ),
        noise: pairedNoise(applies, raws),
      },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, helmApply);
