import type { Simulator } from "./github-simulator.js";

/** The environment that makes Sluice use this simulator as its GitHub (an Enterprise-style host over http). */
export function simulatorAppEnv(sim: Pick<Simulator, "appId" | "privateKeyPem" | "host">, webhookSecret: string): Record<string, string> {
  return {
    APP_ID: String(sim.appId),
    PRIVATE_KEY: sim.privateKeyPem,
    WEBHOOK_SECRET: webhookSecret,
    GHE_HOST: sim.host,
    GHE_PROTOCOL: "http",
  };
}
