import { createRedactor } from "../src/render/redact.js";
import { randomBytes } from "node:crypto";
const redact = createRedactor({ secrets: [] });
for (const n of [25_000, 50_000, 100_000, 200_000]) {
  const b64 = randomBytes(n).toString("base64").replace(/[+/=]/g, "a");
  const t = performance.now(); redact(b64); console.log("base64-ish alnum run", b64.length, (performance.now() - t).toFixed(0), "ms");
}
for (const n of [25_000, 50_000, 100_000]) {
  const s = "a".repeat(n);
  const t = performance.now(); redact(s); console.log("aaaa run", n, (performance.now() - t).toFixed(0), "ms");
}
