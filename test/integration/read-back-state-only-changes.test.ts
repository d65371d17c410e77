import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { applyRequest, httpBackendEach, planNet, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * A plan whose changes are all in the state (a `moved` block, an output's new value) lists no
 * resource change, yet its apply writes a new state: the read-back must find that state in the
 * backend before the apply counts, as it does for a resource's change. Real terraform, an http
 * backend that answers writes with 200 and keeps nothing (a write gone where the backend does not keep it).
 */
const scratch = scratchRoot("sluice-tf-read-back-");
const http = httpBackendEach();
let n = 0;

async function planAndApply(checkout: string, body: string) {
  await http.write(checkout, body);
  const dataDir = join(checkout, "..", `plan-${++n}`);
  const planFile = await planNet(checkout, dataDir);
  return terraform.apply(applyRequest(checkout, dataDir, planFile), exec);
}

const first = 'resource "terraform_data" "a" {\n  input = 1\n}\noutput "x" {\n  value = "one"\n}\n';
const changes = {
  "an output's new value": 'resource "terraform_data" "a" {\n  input = 1\n}\noutput "x" {\n  value = "two"\n}\n',
  "a moved block":
    'resource "terraform_data" "b" {\n  input = 1\n}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\noutput "x" {\n  value = "one"\n}\n',
};

async function applied() {
  const checkout = join(scratch.next(), "checkout");
  const made = await planAndApply(checkout, first);
  expect(made).toMatchObject({ ok: true });
  return checkout;
}

describe("the read-back of a plan that changes only the state", () => {
  it.each(Object.entries(changes))(
    "%s the backend did not keep is not reported as applied",
    async (_what, body) => {
      const checkout = await applied();
      const kept = http.backend().state;
      http.backend().dropWrites = true;
      const result = await planAndApply(checkout, body);
      // Terraform wrote the new state (the backend said 200), but the backend holds the old one.
      expect(http.backend().state).toBe(kept);
      expect(result).toMatchObject({ ok: false });
      expect(!result.ok && result.message).toContain("the state read back through the backend is not what it applied");
    },
    120_000,
  );

  it.each(Object.entries(changes))(
    "%s the backend kept is applied (control)",
    async (_what, body) => {
      const checkout = await applied();
      const result = await planAndApply(checkout, body);
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && result.readBack?.serialAfter).toBeGreaterThan(result.ok ? (result.readBack?.serialBefore ?? 0) : 0);
    },
    120_000,
  );
});
