import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashChange } from "../../runners/terraform/hash-change.js";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { withoutSecrets } from "../../src/job-context/without-secrets.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { startApiServer } from "../support/api-server.js";

/**
 * `GET /api/v1/plans` answers each project's last plan for any `read` token of the repository.
 * The plan's summary keeps a digest of every change's values (the merge comparison needs it):
 * an unkeyed SHA-256 over values Terraform marks sensitive too, which anyone holding the digest
 * can test guesses against, offline. A secret and anything derived from it never leaves.
 */
let store: Store;
let api: Awaited<ReturnType<typeof startApiServer>>;

/** `terraform show -json` of a plan creating a sensitive output (its value is in the JSON, marked). */
const secretChange = (value: string) => ({
  actions: ["create"],
  before: null,
  after: value,
  after_unknown: false,
  before_sensitive: false,
  after_sensitive: true,
});

beforeAll(async () => {
  store = openSqliteStore(":memory:");
  api = await startApiServer(store);
  const result = summarizePlan({
    format_version: "1.2",
    planned_values: { root_module: {} },
    output_changes: { db_password: secretChange("hunter2"), region: { ...secretChange("eu-west-1"), after_sensitive: false } },
  });
  if (!result.ok) throw new Error(result.error);
  const target = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git/acme/infra.git", pr: 7 };
  const jobId = await store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "alice" });
  await store.appendJobLog({ jobId, repo: "acme/infra", pr: 7, kind: "plan", project: "db", text: "planned\n" }, 1_000_000);
  await store.savePlan(
    {
      repo: "acme/infra",
      pr: 7,
      project: "db",
      dir: "db",
      workspace: "default",
      runner: "terraform",
      headSha: "h",
      baseSha: "b",
      planPath: "/nowhere/plan.tfplan",
      planHash: "sha256:p",
      summary: withoutSecrets(result.summary),
      jobId,
    },
    { sha256: "sha256:p", size: 0 },
  );
});

afterAll(async () => {
  await api?.stop();
  await store?.close();
});

describe("GET /api/v1/plans", () => {
  it("gives a reader nothing to test guesses of a sensitive output against", async () => {
    const reader = await api.token(["read"], ["acme/infra"]);
    const body = await (await api.get("/api/v1/plans", reader)).json();
    const text = JSON.stringify(body);
    // Attack: a short list of likely passwords, each hashed as Terraform's JSON would carry it.
    const guesses = ["password", "letmein", "hunter2", "changeme"];
    const recovered = guesses.filter((g) => text.includes(hashChange(secretChange(g))));
    expect(recovered).toEqual([]);
    expect(text).not.toContain("hunter2");
  });

  it("still answers the plan's outcome and what it changes (control)", async () => {
    const reader = await api.token(["read"], ["acme/infra"]);
    const [row] = (await (await api.get("/api/v1/plans", reader)).json()) as { lastPlan: { summary: Record<string, unknown> } }[];
    expect(row?.lastPlan.summary).toMatchObject({
      hasChanges: true,
      outputs: [
        { name: "db_password", action: "create", sensitive: true },
        { name: "region", action: "create", sensitive: false },
      ],
    });
    // Another repository's reader sees no row at all.
    const other = await api.token(["read"], ["acme/other"]);
    expect(await (await api.get("/api/v1/plans", other)).json()).toEqual([]);
  });
});
