import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Harness } from "./harness.js";

// What a previews test reads back from the app and the simulator: the PR's preview comment, the
// preview's deployments, and the app's store (read-only, beside the running app).

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

export function storeRows<T>(h: Harness, sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** The one comment the previews of a PR share ("" while there is none). */
export const previewComment = (h: Harness, repo: Repo, pr: number): string =>
  h.sim.comments(repo, pr).find((c) => c.user === "sluice[bot]" && c.body.includes("previews of this pull request"))?.body ?? "";

/** Waits for the preview comment to match; on a timeout prints the comment and the app's last preview log lines. */
export async function waitPreviewComment(h: Harness, repo: Repo, pr: number, pattern: RegExp, message: string): Promise<string> {
  await h.sim
    .waitFor(() => pattern.test(previewComment(h, repo, pr)), { message, timeoutMs: 150_000 })
    .catch((e: unknown) => {
      const said = h.app
        .output()
        .split("\n")
        .filter((l) => /preview/i.test(l))
        .slice(-30);
      console.error(
        previewComment(h, repo, pr),
        said.join("\n"),
        storeRows(h, "SELECT id, status, error FROM jobs ORDER BY id DESC LIMIT 5"),
      );
      throw e;
    });
  return previewComment(h, repo, pr);
}

/** The deployments of one project's preview of a PR (environment `preview/<project>/pr-<n>`). */
export const previewDeployments = (h: Harness, repo: Repo, project: string, pr: number) =>
  h.sim.deployments(repo).filter((d) => d.environment === `preview/${project}/pr-${pr}`);

/** The roads of the gate decisions that let something through, in a repository (`preview-apply`, …). */
export function allowedRoads(h: Harness, repo: Repo): string[] {
  return storeRows<{ detail: string }>(h, "SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'", repo.fullName).map(
    (a) => /^road: ([\w-]+)/.exec(a.detail)?.[1] ?? a.detail,
  );
}

/** The `input` of every resource in a local Terraform state file ([] when there is none yet). */
export async function stateInputs(stateFile: string): Promise<unknown[]> {
  type State = { resources?: { instances: { attributes: { input?: { value: unknown } } }[] }[] };
  // Terraform rewrites the file in place: a read while it writes sees a cut JSON; read again.
  for (let tries = 0; ; tries++) {
    const text = await readFile(stateFile, "utf8").catch(() => "{}");
    let state: State;
    try {
      state = JSON.parse(text) as State;
    } catch (err) {
      if (tries >= 40) throw err;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    return (state.resources ?? []).flatMap((r) => r.instances.map((i) => i.attributes.input?.value));
  }
}
