import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_ROW_ID } from "../model/row-id.js";
import type { Store } from "../store/store.js";
import { SECURITY_HEADERS } from "./http-replies.js";

const FINISHED = new Set(["done", "failed", "interrupted"]);

export interface JobEventsOptions {
  /** How often the store is asked for new output (default 250 ms). */
  pollMs?: number;
  /** A comment line now and then keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /** Ends the stream (the server is stopping); the browser reconnects to another replica or later. */
  signal?: AbortSignal;
  /**
   * Whether the viewer may still read the job (session open, repository readable), asked every
   * `recheckMs` (default 5 s): a stream opened before a sign-out (on any replica) or before the
   * viewer lost access to the repository stops, and the browser's reconnect is refused.
   */
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
}

/**
 * Server-Sent Events of a job's stored output, from the chunk after `after` (or the browser's
 * Last-Event-ID when it reconnects): served from the store, so any replica can serve any job and
 * a restart loses nothing. Ends with an `end` event once the job is finished and all is sent.
 */
export async function streamJobEvents(
  req: IncomingMessage,
  res: ServerResponse,
  store: Pick<Store, "readJobLog" | "getJob">,
  jobId: number,
  after: number,
  opts: JobEventsOptions = {},
): Promise<void> {
  const pollMs = opts.pollMs ?? 250;
  const lastId = Number(req.headers["last-event-id"]);
  // Past the largest row id there is nothing after it: asked of PostgreSQL, it is an error.
  let seq = Math.min(MAX_ROW_ID, Number.isInteger(lastId) && lastId > 0 ? lastId : Math.max(0, after));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "text/event-stream; charset=utf-8",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  let closed = false;
  req.once("close", () => {
    closed = true;
  });
  let status = "";
  let lastBeat = Date.now();
  let lastCheck = Date.now();
  // Output written just before the job finished may still be on its way to the store: the stream
  // ends after two quiet reads once the job is finished.
  let quietAfterFinish = 0;
  while (!closed && !opts.signal?.aborted) {
    const job = await store.getJob(jobId);
    const chunks = await store.readJobLog(jobId, seq, 500);
    for (const c of chunks) {
      res.write(`id: ${c.seq}\nevent: chunk\ndata: ${JSON.stringify({ project: c.project, text: c.text })}\n\n`);
      seq = c.seq;
    }
    if (job && job.status !== status) {
      status = job.status;
      res.write(`event: status\ndata: ${JSON.stringify({ status })}\n\n`);
    }
    quietAfterFinish = job && FINISHED.has(job.status) && chunks.length === 0 ? quietAfterFinish + 1 : 0;
    if (!job || quietAfterFinish >= 2) {
      res.write("event: end\ndata: {}\n\n");
      break;
    }
    if (opts.stillAllowed && Date.now() - lastCheck >= (opts.recheckMs ?? 5_000)) {
      lastCheck = Date.now();
      if (!(await opts.stillAllowed())) break;
    }
    if (chunks.length === 500) continue;
    if (Date.now() - lastBeat > (opts.heartbeatMs ?? 15_000)) {
      res.write(": keep-alive\n\n");
      lastBeat = Date.now();
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  res.end();
}
