import type { RenderChartResult } from "./render-chart.js";

type Failure = Extract<RenderChartResult, { ok: false }>;

/**
 * A failed render's message, unless it depends on a server-held secret. A template can put a
 * secret, transformed past what redaction matches, into its own error (`fail (upper
 * .Values.token)`): `again` renders the same side with random placeholders in place of the
 * secrets, and a failure that reads differently there is not shown, only the placeholder
 * render's. Without secrets (`again` undefined) the failure is shown as it is.
 */
export async function failureWithoutSecrets(real: Failure, again: (() => Promise<RenderChartResult>) | undefined): Promise<Failure> {
  if (!again) return real;
  const placeholder = await again();
  if (!placeholder.ok && placeholder.message === real.message && placeholder.output === real.output) return real;
  const hidden = `${real.failedStep} failed, and helm's message changes when Sluice replaces the server-held secrets (\`secret_set\`) with random placeholders: it depends on a secret, so it is not shown.`;
  if (placeholder.ok) {
    return {
      ok: false,
      failedStep: real.failedStep,
      message: `${hidden} With the placeholders the chart renders: it fails on the real secret's value.`,
      output: "",
    };
  }
  return {
    ok: false,
    failedStep: real.failedStep,
    message: `${hidden} With the placeholders, helm says: ${placeholder.message}`,
    output: placeholder.output,
  };
}
