import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { signBody } from "../test/simulator/webhook-sender.js";
import type { BenchOptions } from "./support/bench-options.js";
import { capturePayload } from "./support/capture-payload.js";
import { exactly, type Figure, figure } from "./support/figure.js";
import { openJobsDb, waitIdle } from "./support/jobs-db.js";
import { runIfMain } from "./support/run-if-main.js";
import { type DeliveryAck, type SignedDelivery, sendDeliveriesFromChild } from "./support/send-deliveries.js";
import { startBenchApp } from "./support/start-bench-app.js";
import { median, ms, pairedNoise, pairedRatio, percentile } from "./support/stats.js";
import { tfData } from "./support/tf-repo-files.js";

/** Issue #45's shape: 500 deliveries, 50 in flight. */
const CONCURRENCY = 50;

async function startTrivialServer(secret: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), join(import.meta.dirname, "support/trivial-webhook-server.ts")],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, WEBHOOK_SECRET: secret },
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`trivial server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/api/github/webhooks`, child };
}

function signed(secret: string, template: Record<string, unknown>, count: number, firstCommentId: number): SignedDelivery[] {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const payload = structuredClone(template);
    (payload.comment as { id: number }).id = firstCommentId + i;
    const body = Buffer.from(JSON.stringify(payload), "utf8");
    const sig = signBody(secret, body);
    return {
      id,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": "issue_comment",
        "x-github-delivery": id,
        "x-github-hook-id": "1",
        "x-hub-signature-256": sig.sha256,
        "x-hub-signature": sig.sha1,
        "content-length": String(body.length),
      },
    };
  });
}

const summary = (acks: DeliveryAck[]) => {
  const t = acks.map((a) => a.ms);
  return { p50: percentile(t, 50), p99: percentile(t, 99), max: Math.max(...t) };
};

/**
 * Figure 3: 500 signed `/help` comment deliveries, 50 in flight: every one acknowledged, p99 ack
 * latency against the baseline's, exactly one job per delivery (counted in the app's SQLite store
 * once the jobs ran). Baseline: a trivial node server that checks the signature and answers 202.
 */
export async function ingress(opts: BenchOptions): Promise<Figure[]> {
  const count = 500;
  const rounds = opts.quick ? 1 : 3;
  // GitHub's echo of the app's own 500 replies would double the deliveries: off, to count ours only.
  const app = await startBenchApp({ echoAppEvents: false });
  const trivial = await startTrivialServer(app.secret);
  try {
    const { sim } = app;
    const repo = await sim.createRepo({ owner: "acme", name: "ingress", files: { "net/main.tf": tfData("net", 1) } });
    await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": tfData("net", 2) } });
    const pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
    await waitIdle(app.dataDir);
    const template = await capturePayload(
      (url) => sim.setWebhookTarget(url),
      app.url,
      () => sim.comment(repo, pr.number, { user: "alice", body: "/help" }),
    );
    const webhook = `${app.url}/api/github/webhooks`;
    const botBefore = sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]").length;

    // Warm-up on both servers (JIT, SQLite statements), not counted and not checked for jobs.
    await sendDeliveriesFromChild(trivial.url, signed(app.secret, template, 50, 1_000_000), CONCURRENCY);
    await sendDeliveriesFromChild(webhook, signed(app.secret, template, 50, 2_000_000), CONCURRENCY);
    await waitIdle(app.dataDir);
    const warmReplies = sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]").length - botBefore;

    console.error(`ingress: ${rounds} × ${count} signed deliveries, ${CONCURRENCY} in flight, from a client process of their own`);
    const baseP99: number[] = [];
    const appP99: number[] = [];
    const deliveries: SignedDelivery[] = [];
    let base = { p50: 0, p99: 0, max: 0 };
    let s = base;
    let accepted = 0;
    // Alternating which server goes first, as the tool benchmarks pair their runs.
    for (let r = 0; r < rounds; r++) {
      const viaTrivial = async () => {
        const acks = await sendDeliveriesFromChild(trivial.url, signed(app.secret, template, count, 3_000_000 + r * count), CONCURRENCY);
        if (acks.some((a) => a.status !== 202)) throw new Error("the trivial server refused a signed delivery");
        base = summary(acks);
        baseP99.push(base.p99);
      };
      const viaApp = async () => {
        const sent = signed(app.secret, template, count, 4_000_000 + r * count);
        const acks = await sendDeliveriesFromChild(webhook, sent, CONCURRENCY);
        deliveries.push(...sent);
        accepted += acks.filter((a) => a.status === 202).length;
        s = summary(acks);
        appP99.push(s.p99);
      };
      // Each batch is timed on a machine at rest: the jobs of the app's batch run before the next
      // batch, so the trivial server is never timed while they run.
      const atRest = () => waitIdle(app.dataDir, { timeoutMs: 300_000 });
      if (r % 2 === 0) {
        await viaTrivial();
        await atRest();
        await viaApp();
      } else {
        await viaApp();
        await atRest();
        await viaTrivial();
      }
      await atRest();
      console.error(`  round ${r + 1}/${rounds}: app p99 ${ms(s.p99)}, trivial p99 ${ms(base.p99)}`);
    }
    const db = openJobsDb(app.dataDir);
    const perDelivery = db.jobsPerDelivery(deliveries.map((d) => d.id));
    db.close();
    const exactlyOne = deliveries.filter((d) => perDelivery.get(d.id) === 1).length;
    const extra = [...perDelivery.values()].reduce((n, v) => n + Math.max(0, v - 1), 0);
    const replies = sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]").length - botBefore - warmReplies;
    console.error(`ingress: app p50 ${ms(s.p50)}, max ${ms(s.max)}; ${replies} replies posted`);

    return [
      exactly(
        "ingress.acknowledged (202)",
        accepted,
        `of ${count * rounds}`,
        count * rounds,
        `trivial server: all answered in the same run`,
      ),
      figure(
        "ingress.p99 ack latency",
        median(appP99),
        "ms",
        { max: 50, strict: true, label: "< 50 ms" },
        `median of ${rounds} rounds; trivial server p99 ${ms(median(baseP99))}; last round: app p50 ${ms(s.p50)}, max ${ms(s.max)}, trivial p50 ${ms(base.p50)}; ${CONCURRENCY} in flight`,
      ),
      {
        ...figure(
          "ingress.p99 ack vs trivial server",
          pairedRatio(appP99, baseP99),
          "x",
          { max: 1.5, label: "≤ 1.5" },
          `app p99 ${appP99.map((x) => ms(x)).join(", ")} / trivial HMAC server p99 ${baseP99.map((x) => ms(x)).join(", ")}; median of ${rounds} adjacent pairs of ${count} deliveries, ${CONCURRENCY} in flight`,
        ),
        noise: pairedNoise(appP99, baseP99),
      },
      exactly(
        "ingress.deliveries with 1 job",
        exactlyOne,
        `of ${count * rounds}`,
        count * rounds,
        `${extra} extra jobs; ${replies} replies posted`,
      ),
    ];
  } finally {
    trivial.child.kill("SIGTERM");
    await app.stop();
  }
}

runIfMain(import.meta.url, ingress);
