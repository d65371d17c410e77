import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubectlBinary } from "../../runners/helm/helm-binary.js";

const withTools = mkdtempSync(join(tmpdir(), "sluice-kubectl-"));
const without = mkdtempSync(join(tmpdir(), "sluice-kubectl-"));
mkdirSync(join(withTools, ".tools/bin"), { recursive: true });
writeFileSync(join(withTools, ".tools/bin/kubectl"), "");
afterAll(() => {
  for (const d of [withTools, without]) rmSync(d, { recursive: true, force: true });
});

describe("kubectlBinary: which kubectl Sluice runs", () => {
  it("the setup's .tools/bin/kubectl before the one on PATH (Debian 12's is too old for today's kustomizations)", () => {
    expect(kubectlBinary("kubectl", withTools)).toBe(join(withTools, ".tools/bin/kubectl"));
    expect(kubectlBinary(undefined, withTools)).toBe(join(withTools, ".tools/bin/kubectl"));
  });
  it("a kubectl_binary other than the default wins; without .tools, kubectl on PATH", () => {
    expect(kubectlBinary("/opt/k8s/kubectl", withTools)).toBe("/opt/k8s/kubectl");
    expect(kubectlBinary("kubectl", without)).toBe("kubectl");
  });
});
