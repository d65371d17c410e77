import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SignedDelivery {
  id: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface DeliveryAck {
  id: string;
  status: number;
  /** Request start → response fully read. */
  ms: number;
}

/** POSTs each delivery to `url` (a new connection each, as GitHub's hookshot does), `concurrency` in flight. */
export async function sendDeliveries(url: string, deliveries: readonly SignedDelivery[], concurrency: number): Promise<DeliveryAck[]> {
  const acks: DeliveryAck[] = [];
  let next = 0;
  const one = (d: SignedDelivery) =>
    new Promise<DeliveryAck>((resolve) => {
      const started = performance.now();
      const done = (status: number) => resolve({ id: d.id, status, ms: performance.now() - started });
      const req = request(url, { method: "POST", headers: d.headers, agent: false, timeout: 30_000 }, (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
        res.on("error", () => done(0));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => done(0));
      req.end(d.body);
    });
  const worker = async () => {
    while (next < deliveries.length) {
      const d = deliveries[next++] as SignedDelivery;
      acks.push(await one(d));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acks;
}

/** sendDeliveries run in a child process (deliveries-client.ts); same result. */
export async function sendDeliveriesFromChild(
  url: string,
  deliveries: readonly SignedDelivery[],
  concurrency: number,
): Promise<DeliveryAck[]> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-deliveries-"));
  try {
    const file = join(dir, "deliveries.json");
    await writeFile(file, JSON.stringify(deliveries.map((d) => ({ id: d.id, headers: d.headers, body: d.body.toString("base64") }))));
    const { stdout } = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), join(import.meta.dirname, "deliveries-client.ts"), url, file, String(concurrency)],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as DeliveryAck[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
