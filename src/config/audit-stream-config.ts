import { readFileSync } from "node:fs";
import { z } from "zod";

/** What a notification may be sent for (see `eventKinds`): every event has one or more of these. */
export const NOTIFICATION_EVENTS = ["apply", "refused", "lock-wait", "drift", "unlock", "pause"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const httpUrl = z
  .string()
  .url("an http(s) URL")
  .refine((u) => /^https?:\/\//i.test(u), "an http(s) URL");

/**
 * The stream's HMAC key: written as is, or read from the server's environment (`env:NAME`) or a
 * file (`file:/path`) when the process starts, so it need not sit in the config file.
 */
const secretValue = z
  .string()
  .min(1)
  .transform((v, ctx) => {
    const value = v.startsWith("env:") ? process.env[v.slice(4)] : v.startsWith("file:") ? readSecretFile(v.slice(5)) : v;
    if (!value)
      ctx.addIssue({ code: "custom", message: `${v.startsWith("file:") ? "the file" : "the variable"} ${v} is empty or missing` });
    return value ?? "";
  });

function readSecretFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Server config `audit_stream`: every audit event, signed, to one HTTP endpoint the operator controls. */
export const auditStreamSchema = z.strictObject({
  url: httpUrl,
  secret: secretValue,
});

/** Server config `notifications`: chat or JSON messages for some events of some repos/projects. */
export const notificationsSchema = z.array(
  z.strictObject({
    /** `REPO_GLOB` or `REPO_GLOB:PROJECT_GLOB`. */
    match: z.string().min(1),
    url: httpUrl,
    format: z.enum(["slack", "json"]).default("slack"),
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).default(["apply", "refused", "drift", "lock-wait"]),
  }),
);
