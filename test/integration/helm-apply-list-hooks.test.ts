import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type fakeRelease, planAndApplyWebChart } from "../support/helm-dry-run.js";

/**
 * helm tells hooks apart by document (releaseutil.SortManifests reads each document's own
 * `metadata.annotations`): a `List` document has none, so the items of a List are deployed as
 * ordinary objects of the release, in its manifest, whatever annotations they carry. The plan, the
 * checks before the upgrade and its read-back must count them as helm does, or an upgrade that
 * deployed exactly what was planned is reported as not confirmed (or refused). No cluster: the
 * release is the fake's, which keeps the List in the manifest as helm does.
 */
const listOf = (events: string) => `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: listed
      annotations:
        helm.sh/hook: ${events}
    data:
      a: b
`;

let helmPath = "";
let root = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-list-hooks-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const planAndApply = (template: string | undefined, afterUpgrade?: (release: ReturnType<typeof fakeRelease>) => void) =>
  planAndApplyWebChart(helmPath, join(root, String(++n)), template ? { "listed.yaml": template } : {}, { afterUpgrade });

describe("a helm apply of a chart rendering a List whose items carry a hook annotation", () => {
  it("the List's items are ordinary objects of the release: the upgrade that deployed them is reported applied", async () => {
    const { planned, result, upgrades } = await planAndApply(listOf("post-upgrade"));
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toContain("create ConfigMap/apps/listed");
    expect(upgrades).toHaveLength(1);
    expect(result.ok ? "" : result.message).toBe("");
  }, 120_000);

  it("an item with a test hook annotation is deployed by the upgrade as well: not refused", async () => {
    const { result, upgrades } = await planAndApply(listOf("test"));
    expect(result.ok ? "" : result.message).toBe("");
    expect(upgrades).toHaveLength(1);
  }, 120_000);

  it("control: such an item gone from the release by the read-back is not confirmed", async () => {
    const { result } = await planAndApply(listOf("post-upgrade"), (release) => {
      const manifest = release.get().stdout;
      release.replace(manifest.replace(/---\n# Source: web\/templates\/listed\.yaml[\s\S]*?(?=---|$)/, ""));
    });
    expect(result.ok ? "" : result.message).toContain("lacks ConfigMap/apps/listed");
  }, 120_000);
});
