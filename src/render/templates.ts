import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

/**
 * The comment layouts. Every field handed to these templates is markdown that is already safe
 * (inline code, fences, escaped prose, our own words), so HTML escaping is off: Handlebars' escaping
 * would turn backticks and `=` into entities that show up literally inside code. `strict` makes a
 * misspelled field throw in tests instead of rendering nothing.
 */
const hb = Handlebars.create();

function load<T>(name: string): (view: T) => string {
  const source = readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), "utf8");
  const template = hb.compile<T>(source, { noEscape: true, strict: true });
  return (view) => template(view).replace(/\n+$/, "");
}

export interface CommentView {
  marker: string;
  command: string;
  sha: string;
  state: string;
  trigger: string;
  notice: string;
  pending: string;
  sections: string[];
  moreProjects: string;
  continued: string;
  truncated: string;
  footer: string;
}

export interface ProjectSectionView {
  summary: string;
  /** "why: …" line; "" when the project's reasons are not known. */
  why: string;
  /** "credentials: …" line; "" when the server has no credential rules. */
  credentials: string;
  /** "state: …" line, where the project's state lives; "" when not known. */
  state: string;
  /** The trusted plan rules' notes; "" when none applies. */
  rules: string;
  /** The plan's policy checks; "" when none ran. */
  policy: string;
  changes: string;
  output: string;
}

export interface OutputView {
  open: boolean;
  summary: string;
  fenced: string;
}

export interface ContinuationView {
  marker: string;
  command: string;
  sha: string;
  part: number;
  total: number;
  blocks: string[];
  truncated: string;
}

export interface ContinuedOutputView {
  label: string;
  output: string;
}

export interface CheckSummaryView {
  totals: string;
  notice: string;
  pending: string;
  lines: string[];
  more: string;
}

export interface InvalidView {
  reason: string;
  usage: string;
}

export const templates = {
  comment: load<CommentView>("comment"),
  project: load<ProjectSectionView>("project"),
  output: load<OutputView>("output"),
  continuation: load<ContinuationView>("continuation"),
  continuedOutput: load<ContinuedOutputView>("continued-output"),
  checkSummary: load<CheckSummaryView>("check-summary"),
  invalid: load<InvalidView>("invalid"),
};
