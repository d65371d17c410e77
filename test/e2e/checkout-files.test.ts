import { readdirSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

// Issue #10, "also trusted": what one PR brings must not reach other runs through the shared
// provider cache, and files Sluice reads from a checkout never lead it to a device.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  await installHelm();
  // plugin_cache is on by default: every terraform project shares one provider cache.
  h = await startHarness();
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

async function planned(repo: Repo, sha: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    timeoutMs: 90_000,
  });
  return h.sim.checkRuns(repo, sha).find((c) => c.name === "sluice/plan");
}

/** Every entry under `dir`, with symlink targets: what another project's init could pick up. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) out.push(`${relative(dir, p)} -> ${readlinkSync(p)}`);
      else if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

const PROVIDER = "terraform.d/plugins/registry.terraform.io/hashicorp/null/3.2.0/linux_amd64/terraform-provider-null_v3.2.0_x5";

it("a provider bundled in a PR (terraform.d/plugins) never enters the shared provider cache", async () => {
  h.sim.setPermission("acme/bundled", "bob", "write");
  const requiresNull = `terraform {\n  required_providers {\n    null = { source = "hashicorp/null", version = "3.2.0" }\n  }\n}\n\n${tfProject("vendored")}`;
  const repo = await h.sim.createRepo({ owner: "acme", name: "bundled", files: { "vendored/main.tf": tfProject("vendored") } });
  const head = await h.sim.pushBranch(repo, {
    branch: "c",
    // A stand-in for a provider binary: terraform installs it at init and runs it at plan.
    files: { "vendored/main.tf": requiresNull, [`vendored/${PROVIDER}`]: "#!/bin/sh\nexit 1\n" },
    executable: [`vendored/${PROVIDER}`],
  });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await planned(repo, head);
  // init installed the bundled provider (the plan then fails running the stand-in): it was really used.
  const body = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
  expect(body).toMatch(/plan failed at plan/);
  expect(body).toMatch(/schema for provider\s+registry\.terraform\.io\/hashicorp\/null/);
  expect(listing(join(h.app.dataDir, "plugin-cache")).filter((p) => p.includes("hashicorp/null"))).toEqual([]);
}, 120_000);

it("a Chart.yaml that is a symlink to /dev/zero: the plan says why, at once", async () => {
  h.sim.setPermission("acme/zero-chart", "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name: "zero-chart", files: { "net/main.tf": tfProject("net") } });
  const head = await h.sim.pushBranch(repo, {
    branch: "c",
    files: { "web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" },
    symlinks: { "web/Chart.yaml": "/dev/zero" },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  const check = await planned(repo, head);
  expect(check?.conclusion).toBe("failure");
  const body = h.sim
    .comments(repo, pr.number)
    .filter((c) => c.user === "sluice[bot]")
    .map((c) => c.body)
    .join("\n");
  expect(body).toMatch(/web\/Chart\.yaml.{0,20} is a symlink that leads outside the repository/);
}, 120_000);

it("a repo config over the cap is refused unread, with the reason", async () => {
  h.sim.setPermission("acme/big-config", "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name: "big-config", files: { "net/main.tf": tfProject("net") } });
  const head = await h.sim.pushBranch(repo, {
    branch: "c",
    files: { "net/main.tf": tfProject("net", 2), ".sluice.yaml": `version: 1\n${"#".repeat(2 * 1024 * 1024)}\n` },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  const check = await planned(repo, head);
  expect(check?.conclusion).toBe("failure");
  const body = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
  expect(body).toMatch(/`\.sluice\.yaml` at [0-9a-f]{7} is 209\d{4} bytes, larger than the 1048576 bytes Sluice reads/);
}, 120_000);
