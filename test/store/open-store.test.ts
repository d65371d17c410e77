import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { dataPaths } from "../../src/workspace/data-paths.js";

describe("openStore", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const dataDir = async () => {
    const d = await mkdtemp(join(tmpdir(), "sluice-open-"));
    dirs.push(d);
    return d;
  };

  it("opens the embedded SQLite store in the data dir when DATABASE_URL is unset", async () => {
    const dir = await dataDir();
    const store = await openStore(undefined, dir);
    expect(await store.recordDelivery("d-1", "ping", undefined)).toEqual({ duplicate: false });
    await store.close();
    expect(existsSync(dataPaths.store(dir))).toBe(true);
  });

  it.each(["postgres://sluice@127.0.0.1:1/sluice", "postgresql://sluice@127.0.0.1:1/sluice", "POSTGRES://sluice@127.0.0.1:1/sluice"])(
    "routes %s to PostgreSQL",
    async (url) => {
      // Port 1 refuses connections: reaching the driver is what shows the URL was routed there.
      await expect(openStore(url, await dataDir())).rejects.toMatchObject({ code: "ECONNREFUSED" });
    },
  );

  it.each([
    ["mysql://admin:hunter2@db.example/sluice", '"mysql:"'],
    ["sqlite:///var/lib/sluice.db", '"sqlite:"'],
    ["db.example:5432/sluice", '"db.example:"'],
    ["hunter2", "(none)"],
  ])("refuses %s with a clear error that does not echo the URL", async (url, shown) => {
    const err = await openStore(url, await dataDir()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain("DATABASE_URL: unsupported scheme");
    expect(err?.message).toContain(shown);
    expect(err?.message).not.toContain("hunter2");
  });
});
