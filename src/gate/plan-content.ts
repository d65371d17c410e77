import { isKubernetesRunner } from "../model/project.js";
import type { PlanContent, ResourceRef } from "../model/plan-content.js";
import type { PlanSummary, ResourceAction } from "../model/plan-summary.js";

type Summary = Omit<PlanSummary, "sensitiveValues">;

/** Attributes that only label a resource, by kind of project. */
const TERRAFORM_TAGS: ReadonlySet<string> = new Set(["tags", "tags_all", "labels", "terraform_labels", "effective_labels"]);
const K8S_TAGS: ReadonlySet<string> = new Set(["metadata.labels", "metadata.annotations"]);
/**
 * Google's resources label with `labels`; their `tags` are something else: network tags that
 * firewall rules target (`google_compute_instance`, its templates), or resource manager tags that
 * IAM conditions read. Changing them changes who reaches or may use the resource.
 */
const GOOGLE_TAGS: ReadonlySet<string> = new Set(["labels", "terraform_labels", "effective_labels"]);
const tagsOf = (address: string, tags: ReadonlySet<string>) =>
  tags === TERRAFORM_TAGS && terraformType(address).startsWith("google_") ? GOOGLE_TAGS : tags;

/**
 * What a plan would do, for the trusted plan rules. Pure over the stored summary: a plan applied
 * later (another replica, a button click) is judged on exactly what was recorded when it was made.
 */
export function planContent(summary: Summary, runner: string): PlanContent {
  const counts: Record<ResourceAction, number> = { create: 0, update: 0, delete: 0, replace: 0, read: 0, forget: 0 };
  const destroys: ResourceRef[] = [];
  const replaces: ResourceRef[] = [];
  const types = new Set<string>();
  const typeOf = (address: string) => (isKubernetesRunner(runner) ? k8sKind(address) : terraformType(address));
  for (const r of summary.resources) {
    counts[r.action]++;
    if (r.action === "read") continue;
    const ref: ResourceRef = { address: r.address, type: typeOf(r.address) };
    // A resource moved in this very plan is still the one `protect` named by its old address.
    if (r.previousAddress !== undefined) ref.previousAddress = r.previousAddress;
    types.add(ref.type);
    if (r.action === "delete") destroys.push(ref);
    if (r.action === "replace") replaces.push(ref);
  }
  // Imported without other changes: nothing in the cloud changes, but Terraform manages it from now on.
  const imported = summary.imports ?? [];
  for (const address of imported) types.add(typeOf(address));
  const unlisted = summary.import - summary.resources.filter((r) => r.importing).length - imported.length;
  // An invoked action runs whatever its provider offers: a change of its own, typed `action.TYPE`
  // so that a `types` glob written for resources (`aws_*`) does not take it in unawares.
  const actions = summary.actions ?? [];
  for (const a of actions) types.add(`action.${a.type}`);
  const changes =
    summary.resources.filter((r) => r.action !== "read").length +
    summary.moves.length +
    imported.length +
    Math.max(0, unlisted) +
    actions.length;
  const moves = [
    ...summary.moves,
    ...summary.resources.flatMap((r) => (r.previousAddress === undefined ? [] : [{ from: r.previousAddress, to: r.address }])),
  ];
  return {
    empty: !summary.hasChanges,
    counts,
    changes,
    moves,
    destroys,
    replaces,
    types: [...types].sort(),
    ...(unlisted > 0 ? { unlistedImports: unlisted } : {}),
    ...(summary.changedAttributes ? { attributes: summary.changedAttributes } : {}),
    onlyTags: onlyTags(summary, isKubernetesRunner(runner) ? K8S_TAGS : TERRAFORM_TAGS),
    outputs: summary.outputs,
    destroyPlan: summary.destroyPlan === true,
  };
}

function onlyTags(summary: Summary, tags: ReadonlySet<string>): PlanContent["onlyTags"] {
  if (!summary.hasChanges || summary.destroyPlan) return false;
  const changed = summary.resources.filter((r) => r.action !== "read");
  if (changed.length === 0 || changed.some((r) => r.action !== "update" || r.importing || r.previousAddress !== undefined)) return false;
  // Outputs, moves, imports and invoked actions are more than a relabelling, whatever the resources do.
  if (summary.outputs.length || summary.moves.length || summary.import || summary.forget || summary.actions?.length) return false;
  const attributes = summary.changedAttributes;
  if (!attributes) return { unknown: "the plan does not record which attributes change (it was made by an older Sluice): plan again" };
  for (const r of changed) {
    const names = attributes[r.address];
    if (!names) return { unknown: `the plan does not record which attributes of \`${r.address}\` change` };
    const labels = tagsOf(r.address, tags);
    if (names.length === 0 || names.some((n) => !labels.has(n))) return false;
  }
  return true;
}

/** `module.a.aws_db_instance.main["x"]` → `aws_db_instance`; `data.x.y` → `x` (data sources keep their type). */
export function terraformType(address: string): string {
  const parts = splitAddress(address.replace(/ \(deposed [^)]*\)$/, ""));
  let i = 0;
  while (parts[i] === "module" && i + 2 < parts.length) i += 2;
  if (parts[i] === "data" && i + 1 < parts.length) i++;
  return parts[i] ?? address;
}

/** Splits on dots outside `[...]` index keys (which may hold dots and quoted brackets), dropping the keys. */
function splitAddress(address: string): string[] {
  const parts: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < address.length; i++) {
    const ch = address[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (depth > 0) {
      if (ch === '"') quoted = true;
      else if (ch === "]") depth--;
      continue;
    }
    if (ch === "[") depth++;
    else if (ch === ".") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/** `Deployment/web/api` or `ClusterRole/view` → the kind. */
function k8sKind(address: string): string {
  const cut = address.indexOf("/");
  return cut < 0 ? address : address.slice(0, cut);
}
