import type { PlanSummary } from "../../src/model/plan-summary.js";
import { changedFields } from "./changed-fields.js";
import { diffObjects, type ObjectDiff } from "./diff-objects.js";
import type { SecretHashing } from "./hash-secret-values.js";
import { differingPaths, formatPath } from "./differing-paths.js";
import type { IgnoreRule } from "./ignore-differences.js";
import { type ConcretePath, invalidIgnorePath, removeAt } from "./ignore-paths.js";
import { maskChecksums } from "./mask-checksums.js";
import { maskSecretDerived } from "./mask-secret-derived.js";
import { annotation, type K8sObject, objectAddress, objectKey } from "./k8s-object.js";
import { parseManifests } from "./parse-manifests.js";
import { renderObjectChanges } from "./render-object-changes.js";
import { summarizeObjectChanges } from "./summarize-object-changes.js";

export interface RendersInput {
  /** Rendered manifests at base; undefined when the project does not exist there. */
  base: string | undefined;
  head: string;
  defaultNamespace: string;
  ignore: readonly IgnoreRule[];
  /**
   * The ignore rules the server sets (helm's chart-version labels), which may also hide a change
   * from what the rules that read the plan count. `ignore`'s others are the project's own, which
   * the pull request's config sets: they hide differences from the text only. Default: none.
   */
  trustedIgnore?: readonly IgnoreRule[];
  /** Tool name for the text ("helm", "kustomize"). */
  tool: string;
  hashing: SecretHashing;
  /**
   * The same renders with every server-held secret replaced by a random canary: fields that
   * differ depend on a secret and are shown as keyed digests (mask-secret-derived.ts).
   */
  canary?: { base?: string; head: string };
  /**
   * The base rendered a second time from the same input: fields that differ between the two
   * (a certificate generated per render, a random password) are left out of the diff and the
   * counts, and named once.
   */
  baseAgain?: string;
}

export type RendersPlan =
  | {
      ok: true;
      summary: PlanSummary;
      output: string;
      /** The same with every diff in full, large objects too: for the job log, never the PR. */
      logOutput: string;
      diff: ObjectDiff;
      /** Base objects with no head counterpart: what an apply must delete (for kubectl apply). */
      deleted: K8sObject[];
      /** Of `deleted`, the keys of those counted forgotten (helm's `resource-policy: keep` at base): helm must still find them so marked. */
      forgotten: Set<string>;
      head: K8sObject[];
      /** Fields derived from a server secret, by object key: the live diff masks them too. */
      secretDerived: Map<string, ConcretePath[]>;
    }
  | { ok: false; failedStep: string; message: string };

/**
 * The part of a Kubernetes plan that needs no process: parse both renders, diff, summarize, and
 * write the text. Every Secret value found on either side ends up in `summary.sensitiveValues`,
 * so the job redacts it from anything posted, even from a tool's error output.
 */
export function planFromRenders(input: RendersInput): RendersPlan {
  const invalid = invalidIgnorePath(input.ignore);
  if (invalid) return { ok: false, failedStep: "config", message: invalid };
  const head = parseManifests(input.head, input.defaultNamespace, input.hashing);
  const base = input.base === undefined ? undefined : parseManifests(input.base, input.defaultNamespace, input.hashing);
  const problems = [...(base?.errors ?? []).map((e) => `base: ${e}`), ...head.errors.map((e) => `head: ${e}`)];
  if (problems.length > 0) {
    return { ok: false, failedStep: "parse", message: `the ${input.tool} output is not a valid manifest stream:\n${problems.join("\n")}` };
  }
  const again = input.baseAgain === undefined || !base ? undefined : parseManifests(input.baseAgain, input.defaultNamespace, input.hashing);
  const regenerated =
    again && base ? differingPaths(base.objects, again.objects, { secretValues: true }) : new Map<string, ConcretePath[]>();
  const derived = new Set<string>();
  const secretDerived = new Map<string, ConcretePath[]>();
  if (input.canary) {
    const problems = new Set<string>();
    const sides: [K8sObject[], string | undefined][] = [[head.objects, input.canary.head]];
    if (base) sides.push([base.objects, input.canary.base]);
    for (const [objects, canaryYaml] of sides) {
      if (canaryYaml === undefined) continue;
      const found = maskSecretDerived(
        objects,
        parseManifests(canaryYaml, input.defaultNamespace, input.hashing).objects,
        input.hashing,
        secretDerived,
      );
      for (const note of found.notes) derived.add(note);
      for (const problem of found.problems) problems.add(problem);
    }
    if (problems.size > 0) return { ok: false, failedStep: "secret-derived", message: secretShapesMessage([...problems]) };
  }
  // After the canaries (they name what derives from a server secret), before the diff.
  maskChecksums(head.objects, input.hashing, secretDerived);
  if (base) maskChecksums(base.objects, input.hashing, secretDerived);
  const noise = dropRegenerated(regenerated, base?.objects ?? [], head.objects);
  for (const field of noise) derived.delete(field);
  const diff = diffObjects(base?.objects ?? [], head.objects, { ignore: input.ignore });
  // What the rules count: a change the project's own ignore rules hide from the text is still one.
  const counted = diffObjects(base?.objects ?? [], head.objects, { ignore: input.trustedIgnore ?? [] });
  const deletedKeys = new Set(diff.changes.filter((c) => c.action === "delete").map((c) => c.key));
  const summary = summarizeObjectChanges(counted.changes);
  summary.sensitiveValues = [...new Set([...(base?.secretValues ?? []), ...head.secretValues])];
  summary.changedAttributes = changedFields(counted.changes, base?.objects ?? [], head.objects);
  const hooked = input.tool === "helm" ? becomeHooks(counted, base?.objects ?? [], head.objects, summary) : "";
  const forgotten = new Set<string>();
  const kept = input.tool === "helm" ? keptByHelm(counted, base?.objects ?? [], summary, forgotten) : "";
  const notes = hooked + kept + hiddenOnlyNote(diff, counted) + regeneratedNote(noise) + derivedNote([...derived]);
  return {
    ok: true,
    summary,
    output: renderObjectChanges(diff, input.tool) + notes,
    logOutput: renderObjectChanges(diff, input.tool, { full: true }) + notes,
    diff,
    deleted: (base?.objects ?? []).filter((o) => deletedKeys.has(objectKey(o))),
    forgotten,
    head: head.objects,
    secretDerived,
  };
}

/**
 * Why a plan whose render a secret shapes is not shown. The lines name objects by what the
 * secrets do not change (kind, template, the address of an object both renders have).
 */
function secretShapesMessage(problems: readonly string[]): string {
  return [
    "a server-held secret (`secret_set`, or a sensitive output in `values_from`) shapes what the chart renders, not only values:",
    ...problems.map((p) => `- ${p}`),
    "Sluice shows a value derived from a secret as a keyed digest, but a name, namespace or key cannot be masked without hiding what changes, so nothing of this plan is shown. Keep secrets in values (a Secret's data, an env value), out of names and keys.",
  ].join("\n");
}

/** Names each field shown as a digest because its value derives from a server-held secret. */
function derivedNote(fields: readonly string[]): string {
  if (fields.length === 0) return "";
  const list = fields.map((f) => `- ${f}`).join("\n");
  return `\nShown as keyed digests, because their values derive from a server-held secret (a guess cannot be checked against them):\n${list}\n`;
}

/**
 * Removes, in place, each field that differs between two renders of the base from the base and
 * head objects with that identity; returns the fields as notes name them. An object whose name
 * itself changes per render cannot be matched and is left as it is.
 */
function dropRegenerated(
  regenerated: ReadonlyMap<string, ConcretePath[]>,
  base: readonly K8sObject[],
  head: readonly K8sObject[],
): string[] {
  const fields: string[] = [];
  if (regenerated.size === 0) return fields;
  const heads = new Map(head.map((o) => [objectKey(o), o]));
  for (const o of base) {
    const key = objectKey(o);
    for (const path of regenerated.get(key) ?? []) {
      if (path.length === 0) continue;
      fields.push(`\`${formatPath(path)}\` of ${objectAddress(o)}`);
      removeAt(o.body, path);
      const twin = heads.get(key);
      if (twin) removeAt(twin.body, path);
    }
  }
  return fields;
}

/** Names the objects whose every change the project's ignore rules hide: the rules still count them. */
function hiddenOnlyNote(shown: ObjectDiff, counted: ObjectDiff): string {
  const visible = new Set(shown.changes.map((c) => c.key));
  const hidden = counted.changes.filter((c) => !visible.has(c.key)).map((c) => `\`${c.address}\``);
  if (hidden.length === 0) return "";
  return `\nChanged only in fields this project's ignore rules hide, and counted as changed by the rules that read the plan (\`protect\`, \`auto_approve\`): ${hidden.join(", ")}\n`;
}

function regeneratedNote(fields: readonly string[]): string {
  if (fields.length === 0) return "";
  return `\nRegenerated on every render (left out of the diff and the counts): ${fields.join(", ")}\n`;
}

const helmHook = (o: K8sObject | undefined): string | undefined => {
  const hook = o && annotation(o, "helm.sh/hook");
  return hook !== undefined && hook.trim() !== "" ? hook : undefined;
};

/**
 * A release object that becomes a Helm hook (`helm.sh/hook` added) leaves the release's manifest:
 * `helm upgrade` deletes it (it is in the old manifest, not in the new one), and only the hook
 * creates it again, when that hook runs (a `pre-install` hook never does on an upgrade). The
 * render diff shows an annotation; the summary says what happens: the object is replaced (in
 * place, changes its counts and actions), so `protect` and `auto_approve` read it as lost. Returns
 * the note for the plan's text.
 */
function becomeHooks(diff: ObjectDiff, base: readonly K8sObject[], head: readonly K8sObject[], summary: PlanSummary): string {
  const before = new Map(base.map((o) => [objectKey(o), o]));
  const after = new Map(head.map((o) => [objectKey(o), o]));
  const lines: string[] = [];
  for (const c of diff.changes) {
    if (c.action !== "update") continue;
    const hook = helmHook(after.get(c.key));
    if (hook === undefined || helmHook(before.get(c.key)) !== undefined) continue;
    const entry = summary.resources.find((r) => r.address === c.address && r.action === "update");
    if (!entry) continue;
    entry.action = "replace";
    summary.change--;
    summary.replace++;
    summary.add++;
    summary.destroy++;
    lines.push(
      `- \`${c.address}\` becomes a Helm hook (\`helm.sh/hook: ${hook}\`): \`helm upgrade\` deletes it from the release, and only that hook creates it again`,
    );
  }
  if (lines.length === 0) return "";
  // Destroys first, then replaces, as in every summary.
  summary.resources.sort((a, b) => rank(a.action) - rank(b.action));
  return `\nReplaced, not updated:\n${lines.join("\n")}\n`;
}

/**
 * An object the chart no longer renders whose annotation says `helm.sh/resource-policy: keep`:
 * `helm upgrade` drops it from the release and leaves it in the cluster (helm skips deleting an
 * object with that annotation). The summary says what happens, as Terraform's `removed` blocks do:
 * forgotten, not destroyed, so `protect` reads no loss and the counts no destroy. Read from the
 * base's render, where helm reads the object in the cluster: `forgotten` gets their keys, which the
 * plan file marks, and the apply refuses when the release in the cluster does not mark them keep
 * (upgradeDeletesUnplanned): a base render the release was not deployed from (the pull request's
 * own `set`, an apply of another pull request) would otherwise hide a real deletion from `protect`.
 * Returns the note for the plan's text.
 */
function keptByHelm(diff: ObjectDiff, base: readonly K8sObject[], summary: PlanSummary, forgotten: Set<string>): string {
  const before = new Map(base.map((o) => [objectKey(o), o]));
  const lines: string[] = [];
  for (const c of diff.changes) {
    const o = before.get(c.key);
    if (c.action !== "delete" || !o || o.listItem || annotation(o, "helm.sh/resource-policy") !== "keep") continue;
    const entry = summary.resources.find((r) => r.address === c.address && r.action === "delete");
    if (!entry) continue;
    entry.action = "forget";
    summary.destroy--;
    summary.forget++;
    forgotten.add(c.key);
    lines.push(`- \`${c.address}\` (\`helm.sh/resource-policy: keep\`): the release forgets it, and it stays in the cluster`);
  }
  if (lines.length === 0) return "";
  summary.resources.sort((a, b) => rank(a.action) - rank(b.action));
  return `\nLeft in the cluster, not deleted:\n${lines.join("\n")}\n`;
}

const rank = (action: string) => (action === "delete" ? 0 : action === "replace" ? 1 : action === "create" ? 2 : 3);
