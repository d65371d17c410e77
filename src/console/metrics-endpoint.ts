import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleDeps } from "./console-context.js";

/** `/metrics`: the Prometheus exposition, behind `SLUICE_METRICS_TOKEN` when it is set. */
export async function metricsEndpoint(
  deps: Pick<ConsoleDeps, "env" | "metrics">,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const want = deps.env.metricsToken;
  if (want) {
    const given = Buffer.from(String(req.headers.authorization ?? ""));
    const expected = Buffer.from(`Bearer ${want}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res
        .writeHead(401, { "www-authenticate": 'Bearer realm="sluice metrics"', "content-type": "text/plain" })
        .end("bearer token required\n");
      return;
    }
  }
  const body = await deps.metrics.registry.metrics();
  res.writeHead(200, { "content-type": deps.metrics.registry.contentType, "cache-control": "no-store" }).end(body);
}
