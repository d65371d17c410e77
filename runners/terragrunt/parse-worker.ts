import { parentPort } from "node:worker_threads";
import type { TgFile } from "../../src/model/project-tree.js";
import type { FromParseWorker, ToParseWorker } from "./parse-pool-messages.js";
import { errorMessage } from "../../src/util/errors.js";
import { hclParser } from "./parse-terragrunt-hcl.js";
import { parseBatch } from "./read-terragrunt-files.js";

/**
 * One of the parse pool's workers (parse-pool.ts): loads the grammar once, then parses the
 * batches it is sent, each file within its own budget and its read's (shared with the other
 * workers), and answers with the batch's parses in the order its texts came.
 */
const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread of the parse pool");

// Batches are sent only once the grammar is loaded (a worker slow to start, on a busy machine,
// holds none the reading thread could be parsing); a grammar that does not load ends the worker.
const hcl = await hclParser();
port.on("message", (m: ToParseWorker) => {
  let parses: TgFile[];
  try {
    parses = parseBatch(hcl, m.texts, { spentUs: m.spentUs, limitUs: m.limitUs });
  } catch (e) {
    // What the parse would have thrown on the reader's own thread, thrown there by the pool.
    port.postMessage({ id: m.id, error: errorMessage(e) } satisfies FromParseWorker);
    return;
  }
  port.postMessage({ id: m.id, parses } satisfies FromParseWorker);
});
port.postMessage({ ready: true } satisfies FromParseWorker);
