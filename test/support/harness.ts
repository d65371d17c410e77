import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, removeDir, startApp } from "./start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

export interface Harness {
  sim: Simulator;
  app: AppProcess;
  secret: string;
  /**
   * A dir outside every checkout that tool runs may write (SLUICE_SANDBOX_PATHS): local state
   * files of `statefulProject` live here, so applies are visible after the worktree goes.
   */
  stateDir: string;
  /** Stops the app (SIGKILL unless told otherwise) and starts it again on the same data dir. */
  restart(opts?: { signal?: NodeJS.Signals }): Promise<AppProcess>;
  stop(): Promise<void>;
}

/** The real app (production entry point) against the GitHub simulator, on free ports. */
export async function startHarness(
  opts: {
    serverConfig?: string;
    /** Extra environment; a function when it needs the simulator (its OAuth client for the console). */
    env?: Record<string, string> | ((sim: Simulator) => Record<string, string>);
    /** The app's port (when the environment names it, e.g. SLUICE_PUBLIC_URL); default: a free one. */
    port?: number;
    beforeStart?: (sim: Simulator) => Promise<void>;
    /** The app's data dir (e.g. a small file system of the test's); default: a new temp dir. */
    dataDir?: string;
  } = {},
): Promise<Harness> {
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const sim = await startSimulator({ webhookSecret: secret });
  const stateDir = await mkdtemp(join(tmpdir(), "sluice-state-"));
  await opts.beforeStart?.(sim);
  const env = {
    ...simulatorAppEnv(sim, secret),
    SLUICE_SANDBOX_PATHS: stateDir,
    ...(typeof opts.env === "function" ? opts.env(sim) : opts.env),
  };
  const h: Harness = {
    sim,
    secret,
    stateDir,
    app: await startApp({ env, serverConfig: opts.serverConfig, dataDir: opts.dataDir, port: opts.port }),
    async restart({ signal = "SIGKILL" } = {}) {
      await h.app.kill(signal);
      h.app = await startApp({ env, serverConfig: opts.serverConfig, dataDir: h.app.dataDir, port: h.app.port });
      return h.app;
    },
    async stop() {
      await h.app.kill("SIGTERM");
      await sim.stop();
      await removeDir(h.app.dataDir);
      await removeDir(stateDir);
    },
  };
  sim.setWebhookTarget(h.app.url);
  return h;
}

/** A root module with N terraform_data resources: plans offline, no provider download. */
export function tfProject(name: string, resources = 1, extra = ""): string {
  const blocks = Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`);
  return `${blocks.join("\n")}${extra}`;
}

/** A project whose state lives at an absolute path outside the checkout, so applies are visible. */
export function statefulProject(name: string, stateFile: string, resources = 1, extra = ""): string {
  return `terraform {\n  backend "local" {\n    path = "${stateFile}"\n  }\n}\n\n${tfProject(name, resources, extra)}`;
}

/** Resource names in a local state file, or [] when there is no state yet. */
export async function stateResources(stateFile: string): Promise<string[]> {
  const { readFile } = await import("node:fs/promises");
  try {
    const state = JSON.parse(await readFile(stateFile, "utf8")) as { resources?: { type: string; name: string }[] };
    return (state.resources ?? []).map((r) => `${r.type}.${r.name}`).sort();
  } catch {
    return [];
  }
}
