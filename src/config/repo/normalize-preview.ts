import type { PreviewSettings } from "../../model/preview.js";
import type { RunnerKind } from "../../model/project.js";
import { namespaceTemplateProblem, previewsByNamespace, templateProblem } from "../../preview/preview-workspace.js";
import { parseDuration } from "../../util/duration.js";
import type { KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import { checkProjectFile } from "./project-fields.js";
import type { SluiceProjectInput } from "./sluice-schema.js";

const TERRAFORM_VARIABLE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const DEFAULT_TEMPLATE = "pr-{number}";

/**
 * A project's `preview:`: the workspace (Terraform, OpenTofu) or namespace (Helm, Kustomize)
 * template, files inside the project's reach, durations read. Keys of the other kind of tool
 * are errors, not silently dropped.
 */
export function normalizePreview(
  raw: NonNullable<SluiceProjectInput["preview"]>,
  runner: RunnerKind,
  dir: string,
  path: KeyPath,
  ctx: NormalizeContext,
): PreviewSettings | undefined {
  let ok = true;
  const error = (key: string, message: string) => {
    ctx.error([...path, key], message);
    ok = false;
  };
  const byNamespace = previewsByNamespace(runner);
  const wrongKey = (key: keyof typeof raw, instead: string) => {
    if (raw[key] !== undefined) error(key, `is not a setting of ${runner} previews; ${instead}`);
  };
  if (byNamespace) {
    wrongKey("workspace", "a Helm or Kustomize preview has a `namespace` of its own");
    wrongKey("url_output", "use `url` (a template) for the preview's address");
    if (runner === "kustomize") {
      wrongKey("vars", "kustomize takes no variables (a preview's differences belong in an overlay)");
      wrongKey("var_files", "kustomize takes no values files (a preview's differences belong in an overlay)");
    }
  } else {
    wrongKey("namespace", "a Terraform preview has a `workspace` of its own");
  }
  const template = (byNamespace ? raw.namespace : raw.workspace) ?? DEFAULT_TEMPLATE;
  const problem = byNamespace ? namespaceTemplateProblem(template) : templateProblem(template);
  if (problem) error(byNamespace ? "namespace" : "workspace", problem);
  if (!byNamespace) {
    for (const name of Object.keys(raw.vars ?? {})) {
      if (!TERRAFORM_VARIABLE.test(name)) error("vars", `${JSON.stringify(name)} is not a Terraform variable name`);
    }
  }
  if (raw.url !== undefined && !/^https?:\/\/[^\s]+$/.test(raw.url))
    error("url", "must be an http(s) URL such as https://pr-{number}.preview.example.com");
  const varFiles: string[] = [];
  (raw.var_files ?? []).forEach((file, i) => {
    const clean = checkProjectFile(dir, file, [...path, "var_files", i], ctx);
    if (clean === undefined) ok = false;
    // Terraform reads -var-file, and helm its values files, relative to the project dir.
    else varFiles.push(file);
  });
  const durationOf = (key: "ttl" | "max_age") => {
    const text = raw[key];
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) error(key, `must be a duration such as 30m, 72h or 7d, got ${JSON.stringify(text)}`);
    return ms;
  };
  const ttlMs = durationOf("ttl");
  const maxAgeMs = durationOf("max_age");
  if (!ok) return undefined;
  return {
    workspace: template,
    varFiles,
    vars: Object.fromEntries(Object.entries(raw.vars ?? {}).map(([k, v]) => [k, String(v)])),
    ...(raw.url_output === undefined ? {} : { urlOutput: raw.url_output }),
    ...(raw.url === undefined ? {} : { urlTemplate: raw.url }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
  };
}
