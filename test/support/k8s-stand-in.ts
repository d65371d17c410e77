import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { exec as realExec } from "../../runners/exec.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { KustomizeProject } from "../../runners/kustomize/kustomize-settings.js";
import type { ApplyRequest, Exec } from "../../runners/runner.js";
import { installHelm, installKubectl } from "../../scripts/install-helm.js";
import { type Harness, startHarness } from "./harness.js";

/**
 * The helm and kubectl stand-ins (test/fixtures/k8s-stand-in/) and their file "cluster": what a
 * test needs to give the app a cluster, set it up as production would be before Sluice, and read
 * back what the app did to it. See the stand-ins' header comments for the layout.
 */
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
const DIR = join(REPO_ROOT, "test/fixtures/k8s-stand-in");
export const STAND_IN = { helm: join(DIR, "helm"), kubectl: join(DIR, "kubectl") } as const;

/** The trusted config of a repository whose prod Kustomize overlay (test/fixtures/kustomize/app under k8s/app) has previews. */
export const KUSTOMIZE_PREVIEW_CONFIG = `version: 1
projects:
  - name: app
    dir: k8s/app/overlays/prod
    runner: kustomize
    preview:
      url: "https://pr-{number}.app.example.test"
`;

export interface StandInCluster {
  /** The cluster's objects, one file each. */
  dir: string;
  /** A kubeconfig whose server is `file://<dir>`, the stand-ins' convention. */
  kubeconfig: string;
}

/** A new, empty cluster under `root` (which runs must be able to write: a `sandbox_paths` entry). */
export async function newCluster(root: string, name: string): Promise<StandInCluster> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const kubeconfig = join(root, `${name}.kubeconfig`);
  const server = new URL(`file://${dir}`).href;
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n  - name: ${name}\n    cluster:\n      server: ${JSON.stringify(server)}\ncontexts:\n  - name: ${name}\n    context: { cluster: ${name}, user: ${name} }\ncurrent-context: ${name}\nusers:\n  - name: ${name}\n    user: {}\n`,
  );
  return { dir, kubeconfig };
}

/** Runs a stand-in as an operator would, outside Sluice; its helm keeps its caches under `home`. */
export async function standIn(tool: keyof typeof STAND_IN, args: string[], home: string): Promise<string> {
  const env = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
  const { stdout } = await promisify(execFile)(STAND_IN[tool], args, { env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The parts of a stored object the tests read. */
export interface StoredObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  data?: Record<string, string>;
}

/** A stored object as the stand-in's API server keeps it, or undefined when there is none. */
export async function clusterObject(c: StandInCluster, namespace: string, kind: string, name: string): Promise<StoredObject | undefined> {
  const file = join(c.dir, "namespaces", namespace, `${kind}.${name}.json`);
  return existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as StoredObject) : undefined;
}

/** The Namespace object of `namespace`, or undefined when it does not exist. */
export async function clusterNamespace(c: StandInCluster, namespace: string): Promise<StoredObject | undefined> {
  const file = join(c.dir, "namespaces", namespace, "namespace.json");
  return existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as StoredObject) : undefined;
}

/** A helm release record (manifest, revision) of the stand-in, or undefined. */
export async function clusterRelease(
  c: StandInCluster,
  namespace: string,
  release: string,
): Promise<{ version: number; manifest: string } | undefined> {
  const file = join(c.dir, "releases", namespace, `${release}.json`);
  return existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as { version: number; manifest: string }) : undefined;
}

/** Names of the namespaces that exist (beyond the built-in ones, which have no dir until used). */
export async function clusterNamespaces(c: StandInCluster): Promise<string[]> {
  const dir = join(c.dir, "namespaces");
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((ns) => existsSync(join(dir, ns, "namespace.json"))).sort();
}

/** Every file of a namespace and of its helm releases, path -> bytes: compared whole to show nothing changed. */
export async function namespaceFiles(c: StandInCluster, namespace: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sub of [join("namespaces", namespace), join("releases", namespace)]) {
    const dir = join(c.dir, sub);
    if (!existsSync(dir)) continue;
    for (const entry of (await readdir(dir)).sort()) out[join(sub, entry)] = await readFile(join(dir, entry), "utf8");
  }
  return out;
}

/**
 * The app with the stand-ins as its helm and kubectl and one new cluster per name, reached by the
 * repositories `acme/<name>-*` (a test of its own per cluster: PR numbers, and so preview
 * namespaces, start at 1 in every repository) for applies, plans and previews alike. Previews are
 * allowed. `previews`: a name's previews go to another cluster's kubeconfig, or none (`null`: no
 * `preview` key). `extra`: more server config (lines of YAML), e.g. freezes. `stop` removes the clusters.
 */
export async function startStandInHarness<N extends string>(
  names: readonly N[],
  previews: Partial<Record<N, N | null>> = {},
  extra: readonly string[] = [],
): Promise<{ h: Harness; root: string; cluster: Record<N, StandInCluster>; stop(): Promise<void> }> {
  // The stand-ins run the real helm and kubectl for everything that needs no cluster.
  await installHelm();
  await installKubectl();
  const root = await mkdtemp(join(tmpdir(), "sluice-clusters-"));
  const cluster = {} as Record<N, StandInCluster>;
  for (const name of names) cluster[name] = await newCluster(root, name);
  const serverConfig = [
    "allowed_overrides: [preview]",
    `helm_binary: ${JSON.stringify(STAND_IN.helm)}`,
    `kubectl_binary: ${JSON.stringify(STAND_IN.kubectl)}`,
    "kubeconfigs:",
    ...names.map((name) => {
      const own = cluster[name].kubeconfig;
      const to = previews[name];
      const preview = to === null ? {} : { preview: to === undefined ? own : cluster[to].kubeconfig };
      return `  ${JSON.stringify(`acme/${name}-*`)}: ${JSON.stringify({ apply: own, plan: own, ...preview })}`;
    }),
    // Runs are sandboxed: the stand-ins read the real binaries and node_modules, and write the clusters.
    `sandbox_paths: ${JSON.stringify([REPO_ROOT, root])}`,
    ...extra,
    "",
  ].join("\n");
  const h = await startHarness({ serverConfig });
  return {
    h,
    root,
    cluster,
    async stop() {
      await h.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A Kustomize project's head planned against its base with the kubectl stand-in, then applied to
 * `cluster` (every call through `exec`, the real one unless told): the plan, and the apply's outcome.
 */
export async function planAndApplyKustomize(
  project: KustomizeProject,
  at: { base: string; head: string; dataDir: string; env: Record<string, string>; cluster: StandInCluster },
  exec: Exec = realExec,
) {
  const runner = createKustomizeRunner({ kubectlBinary: STAND_IN.kubectl });
  const { base, head, dataDir, env } = at;
  const planned = await runner.plan(
    { project, checkoutDir: head, baseCheckoutDir: base, dataDir, extraArgs: [], env, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
  if (!planned.ok) throw new Error(planned.message);
  const req: ApplyRequest = {
    project,
    checkoutDir: head,
    dataDir,
    planFile: planned.planFile,
    env,
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
    kubeconfig: at.cluster.kubeconfig,
  };
  return { planned, applied: await runner.apply(req, exec) };
}
