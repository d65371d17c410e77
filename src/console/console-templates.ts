import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import type { PlanRun } from "../store/console-store.js";

const DIR = join(import.meta.dirname, "templates");
const hb = Handlebars.create();

hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
hb.registerHelper("short", (sha: unknown) => (typeof sha === "string" ? sha.slice(0, 7) : ""));
hb.registerHelper("enc", (v: unknown) => encodeURIComponent(String(v ?? "")));
/** ISO time as `YYYY-MM-DD HH:MM UTC`, wrapped in <time> with the exact value. */
hb.registerHelper("time", (iso: unknown) => {
  if (typeof iso !== "string" || !iso) return "";
  const shown = `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return new hb.SafeString(`<time datetime="${hb.escapeExpression(iso)}">${hb.escapeExpression(shown)}</time>`);
});
/** A pull request's page on GitHub. */
hb.registerHelper("prUrl", (web: unknown, repo: unknown, pr: unknown) => `${String(web)}/${String(repo)}/pull/${Number(pr)}`);
/** An issue's page on GitHub (a drift issue). */
hb.registerHelper("issueUrl", (web: unknown, repo: unknown, n: unknown) => `${String(web)}/${String(repo)}/issues/${Number(n)}`);
hb.registerHelper("planOutcome", (run: PlanRun) => {
  if (run.jobStatus === "queued" || run.jobStatus === "running") return "running";
  if (!run.planStatus) return "failed";
  return run.planStatus === "pending" ? (run.summary?.hasChanges ? "planned" : "no changes") : run.planStatus;
});

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hb.compile(readFileSync(join(DIR, `${name}.hbs`), "utf8"), { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export interface LayoutData {
  title: string;
  nav?: "overview" | "locks" | "previews" | "audit" | "tokens";
  user?: string;
  csrf?: string;
  admin?: boolean;
  /** May pause and resume applies. */
  pauser?: boolean;
  pause?: { by: string; reason: string; at: string };
  flash?: string;
  script?: string;
  /** The accounts whose repositories GitHub refused to list for the signed-in user, and why. */
  unlisted?: string[];
  /** Server config keys read and not supported (each with its file and line), for every signed-in page. */
  unsupported?: string[];
}

/** A whole page: the named template inside the layout. Every value is HTML-escaped by Handlebars. */
export function renderPage(name: string, layout: LayoutData, data: Record<string, unknown>): string {
  const body = template(name)({ ...layout, ...data });
  return template("layout")({ ...layout, body });
}
