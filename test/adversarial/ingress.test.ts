import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBody } from "../simulator/webhook-sender.js";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { botComments, completedCheck, effects, nextReply, postRaw, type Repo, settle, sign, storeCounts } from "./support.js";

// One app for the file. Every hostile delivery is checked against a snapshot of everything the app
// can touch (store rows, REST calls, git fetches, minted tokens), and every test ends with a
// control: the same payload, properly signed, does act, so "nothing happened" means something.

let h: Harness;
let repo: Repo;
let pr: { number: number; headSha: string; delivery: { deliveryId: string } };
const MB = 1024 * 1024;

beforeAll(async () => {
  h = await startHarness();
  h.sim.setPermission("acme/ingress", "bob", "write");
  repo = await h.sim.createRepo({ owner: "acme", name: "ingress", files: { "net/main.tf": tfProject("net") } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
  pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
});
afterAll(async () => {
  await h?.stop();
});

/** A `/plan` comment event for the test PR, as GitHub would send it (only the fields Sluice reads). */
function planComment(id: number, body = "/plan") {
  return {
    action: "created",
    issue: { number: pr.number, pull_request: { url: `${h.sim.url}/api/v3/repos/acme/ingress/pulls/${pr.number}` } },
    comment: { id, body, user: { login: "bob", type: "User" } },
    repository: { name: repo.name, full_name: repo.fullName, owner: { login: repo.owner }, clone_url: repo.cloneUrl },
    installation: { id: h.sim.installationId },
    sender: { login: "bob", type: "User" },
  };
}

function headers(event: string, id: string, _body: Buffer, signature?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
    ...(signature ? { "x-hub-signature-256": signature } : {}),
  };
}

const webhookUrl = () => `${h.app.url}/api/github/webhooks`;

/** Waits until in-flight work is over, then returns the effects snapshot. */
async function quiet() {
  await h.sim.waitFor(
    () =>
      !botComments(h, repo, pr.number).some((c) => /queued|running/.test(c.body.split("\n")[1] ?? "")) &&
      h.sim.checkRuns(repo).every((c) => c.status === "completed"),
  );
  // The last edit can still be on its way; wait until the calls stop.
  for (let last = -1; last !== h.sim.calls.length; ) {
    last = h.sim.calls.length;
    await settle(h);
  }
  return effects(h);
}

describe("signatures", () => {
  it("missing, malformed, wrong, sha1-only and re-encoded signatures: 401 and no effect at all", async () => {
    const before = await quiet();
    const logged = h.app.output().length;
    const payload = planComment(9_001);
    const body = Buffer.from(JSON.stringify(payload));
    const good = signBody(h.secret, body);
    const otherSecret = signBody(`${h.secret}x`, body).sha256;
    const tampered = Buffer.from(JSON.stringify({ ...payload, comment: { ...payload.comment, body: "/apply" } }));
    const cases: [string, Parameters<Harness["sim"]["deliver"]>[2]][] = [
      ["no signature at all", { signature: null }],
      ["only the legacy sha1 signature", { sha1Only: true }],
      ["empty sha256", { signature: "sha256=" }],
      ["not hex", { signature: `sha256=${"z".repeat(64)}` }],
      ["truncated", { signature: good.sha256.slice(0, 40) }],
      ["no algorithm prefix", { signature: good.sha256.slice("sha256=".length) }],
      ["sha1 value in the sha256 header", { signature: good.sha1 }],
      ["right format, wrong secret", { signature: otherSecret }],
      ["signature of another body", { signature: good.sha256, rawBody: tampered }],
      ["two signatures in one header", { signature: `${otherSecret}, ${good.sha256}` }],
    ];
    for (const [what, opts] of cases) {
      const r = await h.sim.deliver("issue_comment", payload, opts);
      expect(r.status, what).toBe(401);
    }
    await settle(h);
    expect(effects(h)).toEqual(before);
    expect(h.app.output().slice(logged)).not.toContain("job started");

    // Control: the same payload, signed, is acted on.
    const replies = botComments(h, repo, pr.number).length;
    const ok = await h.sim.deliver("issue_comment", payload);
    expect(ok.status).toBe(202);
    expect(storeCounts(h.app.dataDir).jobs).toBe(before.jobs + 1);
    await nextReply(h, repo, pr.number, replies);
    expect(h.app.output().slice(logged)).toContain("job started");
  });

  it("the signature covers the bytes received, not their UTF-8 decoding", async () => {
    const before = await quiet();
    // U+FFFD is what invalid UTF-8 decodes to: a body with 0xFF where the signed body had U+FFFD
    // decodes to the same text, but it is not the body that was signed.
    const payload = planComment(9_002, "/plan -- -var x=\uFFFD");
    const signed = Buffer.from(JSON.stringify(payload));
    const replacement = Buffer.from("\uFFFD");
    const at = signed.indexOf(replacement);
    const forged = Buffer.concat([signed.subarray(0, at), Buffer.from([0xff]), signed.subarray(at + replacement.length)]);
    expect(forged.equals(signed)).toBe(false);
    expect(forged.toString("utf8")).toBe(signed.toString("utf8"));
    const r = await h.sim.deliver("issue_comment", payload, { rawBody: forged, signature: sign(h.secret, signed) });
    expect(r.status).toBe(401);
    await settle(h);
    expect(effects(h)).toEqual(before);
  });
});

describe("size limit", () => {
  // An actionable payload (a /plan comment) padded past GitHub's 25 MB cap, validly signed: only
  // the size can be why it is refused.
  const padded = (id: number) => {
    const payload = { ...planComment(id), padding: "x".repeat(25 * MB + 16) };
    return Buffer.from(JSON.stringify(payload));
  };

  it("refuses a body declared larger than 25 MB before reading it: 413, no effect", async () => {
    const before = await quiet();
    const body = padded(9_003);
    const id = `oversize-declared-${Date.now()}`;
    const r = await postRaw(
      webhookUrl(),
      { ...headers("issue_comment", id, body, sign(h.secret, body)), "content-length": String(body.length) },
      [body],
    );
    expect(r.status, r.body).toBe(413);
    await settle(h);
    expect(effects(h)).toEqual(before);
  });

  it("refuses a chunked body once it passes 25 MB, without a content-length to go by: 413, no effect", async () => {
    const before = await quiet();
    const body = padded(9_004);
    const id = `oversize-chunked-${Date.now()}`;
    const chunks = function* () {
      for (let i = 0; i < body.length; i += MB) yield body.subarray(i, i + MB);
    };
    const r = await postRaw(
      webhookUrl(),
      { ...headers("issue_comment", id, body, sign(h.secret, body)), "transfer-encoding": "chunked" },
      chunks(),
    );
    expect(r.status, r.body).toBe(413);
    await settle(h);
    expect(effects(h)).toEqual(before);
    // Still serving.
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it("a signed body that is not JSON is refused with 400 and no effect", async () => {
    const before = await quiet();
    const body = Buffer.from('{"action":"created",');
    const r = await postRaw(webhookUrl(), headers("issue_comment", `broken-${Date.now()}`, body, sign(h.secret, body)), [body]);
    expect(r.status).toBe(400);
    await settle(h);
    expect(effects(h)).toEqual(before);
  });
});

describe("repository URLs on another host (Atlantis' advisory: a clone with the installation token elsewhere)", () => {
  it("a signed delivery whose clone, html or API URL names another host is refused: no job, no fetch, no token", async () => {
    const before = await quiet();
    const logged = h.app.output().length;
    const base = planComment(9_500);
    const evil = "http://evil.example:9";
    const cases: [string, Record<string, string>][] = [
      ["clone_url", { clone_url: `${evil}/acme/ingress.git` }],
      ["html_url", { html_url: `${evil}/acme/ingress` }],
      ["url (the API)", { url: `${evil}/api/v3/repos/acme/ingress` }],
      ["a clone URL that is not a URL", { clone_url: "not a url" }],
    ];
    for (const [what, fields] of cases) {
      const r = await h.sim.deliver("issue_comment", {
        ...base,
        comment: { ...base.comment, id: 9_500 + cases.findIndex(([w]) => w === what) },
        repository: { ...base.repository, ...fields },
      });
      expect(r.status, what).toBeLessThan(300);
    }
    await settle(h);
    expect(effects(h)).toEqual(before);
    // Log lines reach the output a moment after the answers: wait for the last case's.
    const said = () => h.app.output().slice(logged);
    await h.sim.waitFor(() => said().includes("repository.clone_url is not a URL"), {
      message: "the last refusal was not logged",
      timeoutMs: 10_000,
    });
    expect(said()).toContain("delivery refused, nothing fetched: repository.clone_url is on evil.example:9, not on the configured GitHub");
    expect(said()).toContain("repository.html_url is on evil.example:9");
    expect(said()).toContain("repository.url is on evil.example:9");
    expect(said()).not.toContain("job started");

    // Control: the same comment with the repository's real URLs is acted on.
    const replies = botComments(h, repo, pr.number).length;
    const ok = await h.sim.deliver("issue_comment", {
      ...base,
      repository: { ...base.repository, html_url: `${h.sim.url}/acme/ingress`, url: `${h.sim.url}/api/v3/repos/acme/ingress` },
    });
    expect(ok.status).toBe(202);
    expect(storeCounts(h.app.dataDir).jobs).toBe(before.jobs + 1);
    await nextReply(h, repo, pr.number, replies);
    expect(said()).toContain("job started");
  });
});

describe("a repository that contradicts itself (a clone URL or full name naming another repository on the same GitHub)", () => {
  it("is refused: no job, no fetch of the other repository into this one's mirror, a warning", async () => {
    const other = await h.sim.createRepo({ owner: "acme", name: "other", files: { "net/main.tf": tfProject("other") } });
    const before = await quiet();
    const logged = h.app.output().length;
    const base = planComment(9_600);
    const cases: [string, Record<string, string>][] = [
      ["clone_url", { clone_url: other.cloneUrl }],
      ["full_name", { full_name: other.fullName }],
      ["html_url", { html_url: `${h.sim.url}/${other.fullName}` }],
    ];
    for (const [i, [what, fields]] of cases.entries()) {
      const r = await h.sim.deliver("issue_comment", {
        ...base,
        comment: { ...base.comment, id: 9_600 + i },
        repository: { ...base.repository, ...fields },
      });
      expect(r.status, what).toBeLessThan(300);
    }
    await settle(h);
    expect(effects(h)).toEqual(before);
    const said = () => h.app.output().slice(logged);
    await h.sim.waitFor(() => said().includes("repository.html_url"), { message: "the last refusal was not logged", timeoutMs: 10_000 });
    expect(said()).toContain(`delivery refused, nothing fetched: repository.clone_url (${other.cloneUrl}) does not name acme/ingress`);
    expect(said()).toContain("repository.full_name (acme/other) is not its owner and name (acme/ingress)");
    expect(said()).not.toContain("job started");

    // Control: the same comment with the repository's own clone URL is acted on.
    const replies = botComments(h, repo, pr.number).length;
    const ok = await h.sim.deliver("issue_comment", { ...base, comment: { ...base.comment, id: 9_699 } });
    expect(ok.status).toBe(202);
    expect(storeCounts(h.app.dataDir).jobs).toBe(before.jobs + 1);
    await nextReply(h, repo, pr.number, replies);
  });
});

describe("redelivery", () => {
  it("a delivery id seen before is not acted on again, after the job is long done", async () => {
    const before = await quiet();
    const comments = botComments(h, repo, pr.number).length;
    const checks = h.sim.checkRuns(repo).length;
    for (let i = 0; i < 3; i++) expect((await h.sim.redeliver(pr.delivery.deliveryId)).status).toBeLessThan(300);
    await settle(h);
    const after = effects(h);
    expect({ ...after, calls: 0 }).toEqual({ ...before, calls: 0 });
    // Not even a reaction or a check: no GitHub call at all.
    expect(after.calls).toBe(before.calls);
    expect(botComments(h, repo, pr.number)).toHaveLength(comments);
    expect(h.sim.checkRuns(repo)).toHaveLength(checks);
  });

  it("a webhook request held open mid-body does not hold the job queue: a /plan still runs while it hangs", async () => {
    // New jobs wait while deliveries are being received (acks first), but only a bounded time: a
    // client that never finishes its body must not stop every job.
    const { request } = await import("node:http");
    const held = request(webhookUrl(), {
      method: "POST",
      headers: { ...headers("issue_comment", "held-open", Buffer.alloc(0), sign(h.secret, Buffer.from("x"))), "content-length": "100000" },
    });
    let answered = false;
    held.on("response", () => {
      answered = true;
    });
    held.on("error", () => undefined);
    held.write(Buffer.alloc(1000, 0x20));
    try {
      await settle(h);
      const replies = botComments(h, repo, pr.number).length;
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
      expect(await nextReply(h, repo, pr.number, replies)).toMatch(/Plan/);
      // The control: the hanging request was still being received all along.
      expect(answered).toBe(false);
      expect(held.destroyed).toBe(false);
    } finally {
      held.destroy();
    }
  });

  it("a redelivered command comment runs once", async () => {
    const replies = botComments(h, repo, pr.number).length;
    const { delivery } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
    await nextReply(h, repo, pr.number, replies);
    const before = await quiet();
    await h.sim.redeliver(delivery.deliveryId);
    await h.sim.redeliver(delivery.deliveryId);
    await settle(h);
    expect(effects(h)).toEqual(before);
  });
});

describe("events and actions Sluice does not act on", () => {
  it("answer 2xx and do nothing: no store row, no GitHub call, no clone, no token", async () => {
    const before = await quiet();
    const base = planComment(9_100);
    const { comment: _c, issue: _i, ...envelope } = base;
    const pullRequest = { number: pr.number, head: { sha: pr.headSha, repo: { full_name: repo.fullName } }, draft: false };
    const events: [string, object][] = [
      ["push", { ...envelope, ref: "refs/heads/main", after: pr.headSha }],
      ["ping", { zen: "Design for failure.", hook_id: 1 }],
      ["issues", { ...envelope, action: "opened", issue: { number: 77, title: "/apply", body: "/apply" } }],
      // A comment on a plain issue (no issue.pull_request) is not a PR command.
      ["issue_comment", { ...base, issue: { number: 77 }, comment: { ...base.comment, id: 9_101, body: "/apply" } }],
      ["issue_comment", { ...base, action: "edited", comment: { ...base.comment, id: 9_102, body: "/apply" } }],
      ["issue_comment", { ...base, action: "deleted", comment: { ...base.comment, id: 9_103, body: "/apply" } }],
      ["pull_request", { ...envelope, action: "labeled", number: pr.number, pull_request: pullRequest, label: { name: "apply" } }],
      ["pull_request", { ...envelope, action: "edited", number: pr.number, pull_request: pullRequest }],
      ["pull_request", { ...envelope, action: "assigned", number: pr.number, pull_request: pullRequest }],
      [
        "pull_request_review",
        { ...envelope, action: "submitted", pull_request: pullRequest, review: { state: "approved", body: "/apply" } },
      ],
      [
        "pull_request_review_comment",
        { ...envelope, action: "created", pull_request: pullRequest, comment: { id: 9_104, body: "/apply" } },
      ],
      // "Re-run" and the Apply button are acted on (test/e2e/github-native.test.ts); these check events are not.
      [
        "check_run",
        {
          ...envelope,
          action: "completed",
          check_run: { id: 1, name: "sluice/plan", head_sha: pr.headSha, pull_requests: [{ number: pr.number }] },
        },
      ],
      [
        "check_run",
        {
          ...envelope,
          action: "requested_action",
          check_run: { id: 1, name: "sluice/plan", head_sha: pr.headSha, pull_requests: [{ number: pr.number }] },
          requested_action: { identifier: "delete-everything" },
        },
      ],
      [
        "check_run",
        {
          ...envelope,
          action: "rerequested",
          check_run: { id: 1, name: "ci/build", head_sha: pr.headSha, pull_requests: [{ number: pr.number }] },
        },
      ],
      [
        "check_suite",
        { ...envelope, action: "completed", check_suite: { id: 1, head_sha: pr.headSha, pull_requests: [{ number: pr.number }] } },
      ],
      [
        "merge_group",
        {
          ...envelope,
          action: "destroyed",
          merge_group: {
            head_sha: pr.headSha,
            head_ref: `refs/heads/gh-readonly-queue/main/pr-${pr.number}-${pr.headSha}`,
            base_sha: pr.headSha,
          },
        },
      ],
      ["installation", { ...envelope, action: "created" }],
      ["workflow_run", { ...envelope, action: "completed" }],
    ];
    for (const [event, payload] of events) {
      const r = await h.sim.deliver(event, payload);
      expect(r.status, `${event}.${(payload as { action?: string }).action ?? ""}`).toBeGreaterThanOrEqual(200);
      expect(r.status, `${event}.${(payload as { action?: string }).action ?? ""}`).toBeLessThan(300);
    }
    await settle(h);
    expect(effects(h)).toEqual(before);
  });
});
