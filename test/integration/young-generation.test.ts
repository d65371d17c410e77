import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSemiSpaceMb } from "../../src/app/young-generation.js";

// The job thread gets a smaller young generation than the command line's, which the HTTP thread
// keeps; a later worker gets the command line's again. Measured in a process started the way
// `npm start` starts the app: V8 reports how large each isolate let its new space grow.

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-young-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Allocates short-lived objects until the new space has grown as far as it may, then reports it (MB).
const CHURN = `
let keep = [];
for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: "x" + i }); if (keep.length > 50000) keep = []; }
const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;
`;

it("the job thread's new space is the small one; the HTTP thread's and later workers' are the command line's", async () => {
  const script = join(dir, "measure.mts");
  const youngGeneration = new URL("../../src/app/young-generation.ts", import.meta.url).href;
  await writeFile(
    script,
    `import { Worker } from "node:worker_threads";
import { withYoungGeneration } from ${JSON.stringify(youngGeneration)};
const measure = (start: () => Worker) => new Promise<number>((res, rej) => start().once("message", res).once("error", rej));
import * as v8 from "node:v8";
const code = ${JSON.stringify(`const v8 = require("node:v8");${CHURN}\nrequire("node:worker_threads").parentPort.postMessage(size);`)};
const job = await measure(() => withYoungGeneration(1, () => new Worker(code, { eval: true })));
const later = await measure(() => new Worker(code, { eval: true }));
const main = (() => { ${CHURN.replace(/\n/g, " ")} return size; })();
console.log(JSON.stringify({ job, later, main }));
`,
  );
  const { stdout } = await run(process.execPath, ["--max-semi-space-size=4", "--import", "tsx", script], {
    // tsx is found from the repository's node_modules.
    cwd: new URL("../..", import.meta.url).pathname,
  });
  const sizes = JSON.parse(stdout.trim()) as { job: number; later: number; main: number };
  // Two semi-spaces of 1 MB against two of 4 MB.
  expect(sizes.job).toBeLessThanOrEqual(2);
  expect(sizes.main).toBe(8);
  // Control: a worker started without it grows as the command line lets it (and the flag was put back).
  expect(sizes.later).toBe(8);
});

it("reads the command line's semi-space size, V8's default when none is given", () => {
  expect(startSemiSpaceMb(["--max-semi-space-size=4"])).toBe(4);
  expect(startSemiSpaceMb(["--max-semi-space-size", "16"])).toBe(16);
  expect(startSemiSpaceMb(["--inspect"])).toBe(0);
});
