import { Probot, ProbotOctokit } from "probot";
import type { Simulator } from "../simulator/github-simulator.js";

/**
 * A Probot of the simulator's app (webhook secret `secret`), its Octokit neither throttling nor
 * retrying: a test sees each answer the simulator gives, once.
 */
export function simulatorProbot(sim: Simulator, secret = "s"): Probot {
  return new Probot({
    appId: sim.appId,
    privateKey: sim.privateKeyPem,
    secret,
    baseUrl: `${sim.url}/api/v3`,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } }),
  });
}
