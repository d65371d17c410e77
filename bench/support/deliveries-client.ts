import { readFileSync } from "node:fs";
import { sendDeliveries, type SignedDelivery } from "./send-deliveries.js";

/**
 * Child-process entry of sendDeliveriesFromChild: the sender gets its own event loop, so the
 * simulator answering the app's API calls in the bench process cannot delay its timing.
 * argv: URL FILE CONCURRENCY; FILE holds [{id, headers, body(base64)}]; prints the acks as JSON.
 */
const [url, file, concurrency] = process.argv.slice(2);
if (!url || !file || !concurrency) throw new Error("usage: deliveries-client.ts URL FILE CONCURRENCY");
const raw = JSON.parse(readFileSync(file, "utf8")) as { id: string; headers: Record<string, string>; body: string }[];
const deliveries: SignedDelivery[] = raw.map((d) => ({ ...d, body: Buffer.from(d.body, "base64") }));
const acks = await sendDeliveries(url, deliveries, Number(concurrency));
process.stdout.write(JSON.stringify(acks));
