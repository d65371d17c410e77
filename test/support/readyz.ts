export interface ReadyzAnswer {
  status: number;
  body: { ok: boolean; checks: { name: string; ok: boolean; reason?: string; detail?: string }[] };
}

/**
 * /readyz once every check has an answer: right after start the app's credentials are still being
 * checked with GitHub (`checking …`), and the app is rightly not ready yet. Waits for that positive
 * sign, never for a fixed time.
 */
export async function settledReadyz(url: string, timeoutMs = 30_000): Promise<ReadyzAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${url}/readyz`);
    const answer: ReadyzAnswer = { status: r.status, body: (await r.json()) as ReadyzAnswer["body"] };
    const pending = answer.body.checks.some((c) => c.reason?.startsWith("checking"));
    if (!pending || Date.now() > deadline) return answer;
    await new Promise((res) => setTimeout(res, 100));
  }
}
