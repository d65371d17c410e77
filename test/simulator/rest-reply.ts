import type { IncomingHttpHeaders } from "node:http";
import type { TokenState } from "./sim-types.js";

export const DOCS = "https://docs.github.com/rest";

export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Set on routes that need an installation token. */
  token: TokenState | null;
  /** Set on routes that need a user token: whose it is. */
  user?: string;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as-is instead of JSON (e.g. raw file contents). */
  raw?: Buffer;
}

/** Thrown by handlers for any GitHub-style error answer; the server turns it into a reply. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? status));
  }
}

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): RestReply {
  return { status, body, headers };
}

export function notFound(): RestError {
  return new RestError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

export function badCredentials(message = "Bad credentials"): RestError {
  return new RestError(401, { message, documentation_url: DOCS, status: "401" });
}

export interface FieldError {
  resource: string;
  field: string;
  code: string;
  message?: string;
}

export function validationFailed(...errors: FieldError[]): RestError {
  return new RestError(422, { message: "Validation Failed", errors, documentation_url: DOCS, status: "422" });
}

/** The checks API answers schema violations with one message, not an `errors` list. */
export function invalidRequest(detail: string): RestError {
  return new RestError(422, { message: `Invalid request.\n\n${detail}`, documentation_url: DOCS, status: "422" });
}

export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === "string" ? v : undefined;
}

/** GitHub pagination: `per_page` (default 30, max 100), `page` from 1, and a Link header. */
export function paginate<T>(req: RestRequest, items: T[], selfUrl: string): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(req.query.get("per_page")) || 30, 1), 100);
  const page = Math.max(Number(req.query.get("page")) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(req.query);
    q.set("per_page", String(perPage));
    q.set("page", String(p));
    return `<${selfUrl}?${q}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { link: links.join(", ") } : {},
  };
}
