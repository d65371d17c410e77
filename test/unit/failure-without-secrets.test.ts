import { describe, expect, it } from "vitest";
import { failureWithoutSecrets } from "../../runners/helm/failure-without-secrets.js";

const real = {
  ok: false as const,
  failedStep: "template (head)",
  message: "helm template (head) exited with code 1",
  output: "Error: HUNTER22",
};

describe("failureWithoutSecrets", () => {
  it("shows a failure as it is when no secret is in play, or when the placeholder render fails alike", async () => {
    expect(await failureWithoutSecrets(real, undefined)).toBe(real);
    expect(await failureWithoutSecrets(real, async () => ({ ...real }))).toBe(real);
  });

  it("hides a failure that reads differently with placeholders, showing the placeholder render's", async () => {
    const hidden = await failureWithoutSecrets(real, async () => ({ ...real, output: "Error: QXZPLMWK" }));
    expect(hidden).toMatchObject({ ok: false, failedStep: "template (head)", output: "Error: QXZPLMWK" });
    expect(hidden.message).toContain("it depends on a secret, so it is not shown");
    expect(JSON.stringify(hidden)).not.toContain("HUNTER22");
  });

  it("hides a failure that only the real secret causes, and says so", async () => {
    const hidden = await failureWithoutSecrets(real, async () => ({ ok: true, yaml: "" }));
    expect(hidden.output).toBe("");
    expect(hidden.message).toContain("it fails on the real secret's value");
    expect(JSON.stringify(hidden)).not.toContain("HUNTER22");
  });
});
