import { randomBytes } from "node:crypto";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, removeDir, startApp } from "./start-app.js";

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

export interface Harness {
  sim: Simulator;
  app: AppProcess;
  secret: string;
  /** Stops the app (SIGKILL unless told otherwise) and starts it again on the same data dir. */
  restart(opts?: { signal?: NodeJS.Signals }): Promise<AppProcess>;
  stop(): Promise<void>;
}

/** The real app (production entry point) against the GitHub simulator, on free ports. */
export async function startHarness(opts: { serverConfig?: string; env?: Record<string, string> } = {}): Promise<Harness> {
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const sim = await startSimulator({ webhookSecret: secret });
  const env = {
    APP_ID: String(sim.appId),
    PRIVATE_KEY: sim.privateKeyPem,
    WEBHOOK_SECRET: secret,
    GHE_HOST: sim.host,
    GHE_PROTOCOL: "http",
    ...opts.env,
  };
  const h: Harness = {
    sim,
    secret,
    app: await startApp({ env, serverConfig: opts.serverConfig }),
    async restart({ signal = "SIGKILL" } = {}) {
      await h.app.kill(signal);
      h.app = await startApp({ env, serverConfig: opts.serverConfig, dataDir: h.app.dataDir, port: h.app.port });
      return h.app;
    },
    async stop() {
      await h.app.kill("SIGTERM");
      await sim.stop();
      await removeDir(h.app.dataDir);
    },
  };
  sim.setWebhookTarget(h.app.url);
  return h;
}

/** A root module with N terraform_data resources: plans offline, no provider download. */
export function tfProject(name: string, resources = 1, extra = ""): string {
  const blocks = Array.from(
    { length: resources },
    (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`,
  );
  return `${blocks.join("\n")}${extra}`;
}
