import { z } from "zod";
import { size } from "./server-config-parts.js";

/** The server config's keys for the sandbox every tool run is in, and its limits (a part of serverConfigSchema). */
export const sandboxConfigShape = {
  /** Every tool run in a bubblewrap sandbox (docs/sandbox.md); `off` only when said. */
  sandbox: z
    .union([z.enum(["on", "off"]), z.boolean()])
    .transform((v) => (v === true || v === "on" ? "on" : "off"))
    .default("on"),
  /**
   * Memory all tool runs of this replica may hold together; a run waits ("queued: waiting for
   * memory") until what its project last peaked at fits. Default: three quarters of the memory
   * this process may use (its container's limit, else the machine's).
   */
  memory_budget: size.optional(),
  /** Host paths every run may read and write (a local state dir, a credentials file); also SLUICE_SANDBOX_PATHS. */
  sandbox_paths: z.array(z.string().regex(/^\//, "must be an absolute path")).default([]),
  /**
   * Per run: resident memory of all its processes (with the files in its /tmp), tasks (processes
   * and threads), largest file written, and what its checkout, plan dir and /tmp hold together.
   */
  limits: z
    .object({
      memory: size.default(4 * 1024 ** 3),
      processes: z.number().int().min(8).max(1_000_000).default(2048),
      file_size: size.default(2 * 1024 ** 3),
      disk: size.default(8 * 1024 ** 3),
    })
    .strict()
    .prefault({}),
  /**
   * Space kept free in the data dir (a file of this size, given up when the volume is full) so
   * that webhooks are still recorded when runs or anything else filled the volume; 0 = none.
   */
  data_reserve: z.union([z.literal(0), size]).default(64 * 1024 ** 2),
  /** `REPO_GLOB` or `REPO_GLOB:PROJECT_GLOB` to `none` (no network at all) or `on`; first match wins. */
  network: z.record(z.string().min(1), z.enum(["none", "on"])).default({}),
};
