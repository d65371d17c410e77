import { z } from "zod";
import { repoGlobListSchema } from "./glob-list.js";
import { duration } from "./server-config-parts.js";

const envRef = z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "must be env:VARIABLE (the secret is read from the server's environment)");

/**
 * A group that gives a role: a plain group name (every repository), or `{group, repos}` to give
 * the role only in the repositories matching the globs.
 */
export const roleEntrySchema = z.union([z.string().min(1), z.strictObject({ group: z.string().min(1), repos: repoGlobListSchema.min(1) })]);

/** One OpenID Connect provider of console sign-in (and of API access tokens). */
export const ssoProviderSchema = z.strictObject({
  /** In the sign-in URL: `/login/sso/<name>`, and in the audit trail: `sso:<name>:<user>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lower-case letters, digits, - and _ (at most 40)"),
  /** The issuer; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  issuer: z
    .string()
    .url("an https:// URL (http:// only on a loopback address)")
    .refine((u) => {
      const url = new URL(u);
      return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
    }, "an https:// URL (http:// only on a loopback address)"),
  client_id: z.string().min(1),
  client_secret: envRef,
  /** How the client authenticates to the token endpoint (OpenID Connect's default: basic). */
  client_auth: z.enum(["client_secret_basic", "client_secret_post"]).default("client_secret_basic"),
  /** The claim (of the ID token, else of userinfo) that lists the user's groups. */
  groups_claim: z.string().min(1).default("groups"),
  /** The claim naming the user in the console and the audit trail (then `email`, then `sub`). */
  username_claim: z.string().min(1).default("preferred_username"),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default(["openid", "profile", "email"]),
  /** Audiences a JWT access token presented to the API may carry besides `client_id`. */
  api_audiences: z.array(z.string().min(1)).default([]),
  /**
   * An opaque access token is checked at the provider's introspection endpoint (RFC 7662): it must
   * be active and issued to `client_id` (or for one of `api_audiences`). A provider without one
   * gets opaque tokens refused, unless this is true: then its userinfo endpoint alone decides,
   * and a token the provider gave any other application of the user's works too.
   */
  api_userinfo_tokens: z.boolean().default(false),
  /**
   * How long a console session's groups stand before the provider is asked again (its refresh
   * token, else userinfo with its access token): a user taken out of a group, disabled or signed
   * out at the provider loses the role within this.
   */
  recheck_every: z
    .string()
    .default("5m")
    .pipe(duration.refine((ms) => ms >= 10e3 && ms <= 3600e3, "between 10s and 1h"))
    .meta({ defaultText: "`5m`", description: "How long a console session's groups stand before the provider is asked again (10s to 1h)" }),
  /**
   * The longest a console session lasts where the provider gave no refresh token (it is asked with
   * the access token while that lasts, then the user signs in again).
   */
  reauthenticate_after: z
    .string()
    .default("1h")
    .pipe(duration.refine((ms) => ms >= 60e3 && ms <= 8 * 3600e3, "between 1m and 8h"))
    .meta({ defaultText: "`1h`", description: "The longest a console session lasts where the provider gives no refresh token (1m to 8h)" }),
  roles: z
    .strictObject({
      viewer: z.array(roleEntrySchema).default([]),
      operator: z.array(roleEntrySchema).default([]),
      admin: z.array(roleEntrySchema).default([]),
    })
    .prefault({}),
});

export const ssoSchema = z
  .array(ssoProviderSchema)
  .default([])
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, "two providers have the same name")
  // Said outright: the JSON Schema of a list whose items read durations leaves the default out.
  .meta({ defaultText: "`[]`" });

/** The API under /api/v1/: nothing of it answers until `enabled: true`. */
export const apiSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** The longest lifetime of a token an admin issues, in days. */
    max_token_days: z.number().int().min(1).max(3650).default(365),
  })
  .prefault({});

export type SsoProviderConfig = z.output<typeof ssoProviderSchema>;
export type RoleEntry = z.output<typeof roleEntrySchema>;
