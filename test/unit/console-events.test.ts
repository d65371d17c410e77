import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { streamJobEvents } from "../../src/console/job-events.js";
import { createRepoAccess } from "../../src/console/repo-access.js";
import type { SignInPort } from "../../src/console/sign-in-port.js";
import type { Job, JobStatus } from "../../src/model/job.js";
import type { JobLogChunk } from "../../src/store/console-store.js";

/** A job whose output and status a test moves on by hand. */
function fakeJob() {
  const chunks: JobLogChunk[] = [];
  let status: JobStatus = "running";
  const store = {
    async readJobLog(_id: number, after: number, limit = 1000) {
      return chunks.filter((c) => c.seq > after).slice(0, limit);
    },
    async getJob(id: number) {
      return { id, status } as Job;
    },
  };
  return {
    store,
    add(project: string, text: string) {
      chunks.push({ seq: chunks.length + 1, project, text });
    },
    finish() {
      status = "done";
    },
  };
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
});

async function serve(job: ReturnType<typeof fakeJob>, after: number, stillAllowed?: () => Promise<boolean>): Promise<string> {
  server = createServer((req, res) => void streamJobEvents(req, res, job.store, 7, after, { pollMs: 5, stillAllowed, recheckMs: 0 }));
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("job event stream", () => {
  it("sends stored output in order, then what arrives, and ends only once the job is finished", async () => {
    const job = fakeJob();
    job.add("net", "one\n");
    job.add("app", "two\n");
    const url = await serve(job, 1);
    const response = await fetch(url);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value);
      }
    };
    await readUntil('"text":"two\\n"');
    expect(text).not.toContain("one");
    expect(text).toContain("id: 2\nevent: chunk");
    await readUntil("event: status");
    job.add("net", "three\n");
    await readUntil("three");
    expect(text).not.toContain("event: end");
    job.finish();
    await readUntil("event: end");
    expect(text.indexOf("three")).toBeLessThan(text.indexOf('"status":"done"'));
  });

  it("stops a stream whose session was signed out, without the end event", async () => {
    const job = fakeJob();
    job.add("net", "before\n");
    let open = true;
    const url = await serve(job, 0, async () => open);
    const response = await fetch(url);
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = "";
    while (!text.includes("before")) text += new TextDecoder().decode((await reader.read()).value);
    open = false;
    job.add("net", "after\n");
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    expect(text).not.toContain("event: end");
  });

  it("resumes after the browser's Last-Event-ID when it reconnects", async () => {
    const job = fakeJob();
    for (const t of ["a", "b", "c"]) job.add("net", t);
    job.finish();
    const url = await serve(job, 0);
    const text = await (await fetch(url, { headers: { "last-event-id": "2" } })).text();
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(["3"]);
    expect(text).toContain("event: end");
  });
});

describe("repo access cache", () => {
  it("asks GitHub once per user within the TTL, again after it, and never caches a failure", async () => {
    let calls = 0;
    let fail = false;
    const port: SignInPort = {
      authorizeUrl: () => "",
      signIn: async () => ({ login: "x", id: 1, token: "t" }),
      userId: async () => undefined,
      async repos() {
        calls++;
        if (fail) throw new Error("GitHub down");
        return { repos: [{ fullName: "Acme/Infra", permission: "write" }], refused: [] };
      },
    };
    let now = 1_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const access = createRepoAccess(port, 60_000);
      expect((await access.of("alice", "t")).access.get("acme/infra")).toBe("write");
      await access.of("alice", "t");
      expect(calls).toBe(1);
      await access.of("alice", "other-token");
      expect(calls).toBe(2);
      now += 61_000;
      fail = true;
      await expect(access.of("alice", "other-token")).rejects.toThrow("GitHub down");
      fail = false;
      await access.of("alice", "other-token");
      expect(calls).toBe(4);
    } finally {
      Date.now = realNow;
    }
  });
});
