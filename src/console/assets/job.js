// The job page's live log: output stored by any replica, streamed with Server-Sent Events from the
// last chunk the page already shows. ansi_up turns terminal colours into CSS classes (no inline
// styles, so the page keeps a strict Content-Security-Policy).
import { AnsiUp } from "/assets/ansi_up.js";

const log = document.getElementById("log");
const statusEl = document.getElementById("job-status");
const converters = new Map();

function streamFor(project) {
  for (const s of log.querySelectorAll("section.stream")) if (s.dataset.project === project) return s.querySelector("pre");
  const section = document.getElementById("stream-template").content.firstElementChild.cloneNode(true);
  section.dataset.project = project;
  section.querySelector("h2").textContent = project;
  section.querySelector("pre").setAttribute("aria-label", `Output of ${project}`);
  log.appendChild(section);
  document.getElementById("no-output")?.remove();
  return section.querySelector("pre");
}

/** An ESC [ at `at` that ansi_up would wait on for ever, showing nothing after it (log-text.ts's STUCK_AFTER). */
const STUCK_AFTER = /(?!\[[<-?]?[\d;]*[ -/]?[@-~])(?=\[[\x20-\x39\x3b-\x7e]*[^\x00-\x7e])/y;
function stuckAt(text, at) {
  STUCK_AFTER.lastIndex = at;
  return STUCK_AFTER.test(text);
}

/** Per project, an end of its last chunk held back (see append). */
const tails = new Map();

function append(project, text) {
  let ansi = converters.get(project);
  if (!ansi) {
    ansi = new AnsiUp();
    ansi.use_classes = true;
    converters.set(project, ansi);
  }
  const pre = streamFor(project);
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  // ansi_up escapes the text: the HTML holds only its own spans. A terminal hyperlink in a run's
  // output (the PR's to write) keeps its text only, as on the server's page (src/console/log-text.ts).
  // A chunk that ends inside what may be an escape sequence keeps that end for the next one: the
  // stuck-ESC rule below must see the sequence whole (a line over the live redactor's limit comes
  // in pieces), as the server's page does on the joined log.
  // A run of ESCs is held whole: the rules below take out a run at once, as the server's page does.
  const joined = (tails.get(project) ?? "") + text.replace(/\r/g, "");
  const open = /\x1b(?:\[[\x20-\x39\x3b-\x7e]*)?$/.exec(joined);
  let cut = open ? open.index : joined.length;
  while (open && cut > 0 && joined[cut - 1] === "\x1b") cut--;
  tails.set(project, joined.slice(cut));
  const plain = joined
    .slice(0, cut)
    .replace(/\x1b\]8;[^\x07\x1b\n]*(?:\x07|\x1b\\)/g, "")
    // Every run of ESCs before a `]`, and every run before an ESC [ ansi_up would wait on for ever
    // (ESC_RUN and STUCK_AFTER there): taken out one ESC at a time, `ESC ESC ]` was `ESC ]` again.
    .replace(/\x1b+(\]?)/g, (run, bracket, at, whole) => (bracket ? bracket : stuckAt(whole, at + run.length) ? "" : run));
  pre.insertAdjacentHTML("beforeend", ansi.ansi_to_html(plain));
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

if (log && log.dataset.live === "true") {
  const source = new EventSource(`/jobs/${log.dataset.job}/events?after=${log.dataset.after}`);
  source.addEventListener("chunk", (e) => {
    const chunk = JSON.parse(e.data);
    append(chunk.project, chunk.text);
  });
  source.addEventListener("status", (e) => {
    const { status } = JSON.parse(e.data);
    statusEl.textContent = status;
    statusEl.className = `status s-${status}`;
  });
  source.addEventListener("end", () => source.close());
}
