import { createRedactor } from "../src/render/redact.js";
import { renderComments } from "../src/render/render-comment.js";
import { stripControl } from "../src/render/sanitize.js";
import { SECRET, singleLine, summaryOf, TOKEN } from "./support/big-plan-output.js";
const text = singleLine(10 * 1024 * 1024);
const redact = createRedactor({ secrets: [TOKEN, SECRET] });
let t = performance.now(); const s = stripControl(text); console.log("strip", performance.now() - t);
t = performance.now(); const r = redact(s); console.log("redact", performance.now() - t, r.length);
const input = { jobId: "42", command: "plan" as const, state: "done" as const, headSha: "0123456789abcdef", triggerText: "autoplan", triggerUser: "alice", results: [{ project: { name: "big", dir: "big", workspace: "default", runner: "terraform" as const }, status: "planned" as const, summary: summaryOf(["a.b"]), output: text }] };
for (let i = 0; i < 3; i++) { t = performance.now(); renderComments(input, redact, { maxComments: 10 }); console.log("render", performance.now() - t); }
