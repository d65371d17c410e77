import { z } from "zod";
import { notSluiceOwn, SLUICE_OWN_REF } from "./credentials-schema.js";

/**
 * The server config's keys for the tools runs use: their binaries, the clusters Helm and Kustomize
 * reach, the secrets and chart repositories they may be given (a part of serverConfigSchema).
 */
export const serverToolsShape = {
  terraform_binary: z.string().min(1).default("terraform"),
  tofu_binary: z.string().min(1).default("tofu"),
  /** Default: `.tools/bin/helm` when the setup step installed it, else `helm` on PATH. */
  helm_binary: z.string().min(1).optional(),
  kubectl_binary: z.string().min(1).default("kubectl"),
  /** Terragrunt units run this binary (it runs `terraform_binary`, or a project's `terraform_binary`). */
  terragrunt_binary: z.string().min(1).default("terragrunt"),
  /**
   * Kubeconfig file per repo glob: Helm and Kustomize projects apply only where one is given. One
   * path serves plans (live diff, Helm's server-side dry run) and applies; `{apply, plan}` gives
   * plans their own, with fewer rights (a PR's chart runs `lookup` in its plan): without `plan`,
   * plans have no cluster. `preview`: what previews plan and apply with (never `apply`, which is
   * production's: a preview is applied without approvals); without it, no Kubernetes previews.
   */
  kubeconfigs: z
    .record(
      z.string().min(1),
      z.preprocess(
        (given) => (typeof given === "string" ? { apply: given, plan: given } : given),
        z.object({ apply: z.string().min(1), plan: z.string().min(1).optional(), preview: z.string().min(1).optional() }).strict(),
      ),
    )
    .default({}),
  /**
   * Secrets runners may receive, by name: the value is read from the server's environment
   * (`env:NAME`), never from a pull request. Repos refer to them by name (helm `secret_set`).
   */
  secrets: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]+$/),
      z
        .string()
        .regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "must be env:VARIABLE")
        .refine(notSluiceOwn, SLUICE_OWN_REF),
    )
    .default({}),
  /**
   * Chart repositories and OCI registries (`oci://host/path`) helm may fetch chart dependencies
   * from, with credentials from the server's environment; any other dependency must be vendored.
   */
  helm_repositories: z
    .array(
      z.strictObject({
        url: z.string().regex(/^(https?|oci):\/\/[^\s]+$/, "must be an http(s):// chart repository or an oci:// registry URL"),
        name: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/)
          .optional(),
        username: z
          .string()
          .regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "must be env:VARIABLE")
          .optional(),
        password: z
          .string()
          .regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "must be env:VARIABLE")
          .optional(),
      }),
    )
    .default([]),
};
