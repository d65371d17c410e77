import { join } from "node:path";
import { type Harness, statefulProject } from "../support/harness.js";
import type { Repo } from "./trust-holes-support.js";

// Shared by the tests of what changes while a drift command's job runs (drift-comment-withdrawn,
// drift-access-revoked): each holds one GitHub call the job makes until the change is made.

/** Sluice's comments on issue or PR `number`, oldest first. */
export const said = (h: Harness, repo: Repo, number: number) =>
  h.sim
    .comments(repo, number)
    .filter((c) => c.user === "sluice[bot]")
    .map((c) => c.body);

/** Holds the next `method` (GET unless told) of `path` until the returned release is called; `arrived` once it is held. */
export function holdNext(h: Harness, path: RegExp, method = "GET") {
  const hold = { release: () => {}, arrived: false };
  h.sim.failNext({
    method,
    pathPattern: path,
    holdUntil: new Promise<void>((r) => {
      hold.release = r;
    }),
    onHeld: () => {
      hold.arrived = true;
    },
  });
  return hold;
}

/** acme/NAME whose `net` project drifts on the schedule with `on_drift`, alice a writer, and her ops issue. */
export async function driftedRepo(h: Harness, name: string, onDrift: "report" | "apply") {
  const state = join(h.stateDir, `${name}.tfstate`);
  const sluice = `version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n  on_drift: ${onDrift}\n`;
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", state, 1) },
  });
  h.sim.setPermission(repo, "alice", "write");
  const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
  return { repo, state, ops };
}
