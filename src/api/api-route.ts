import { z } from "zod";
import type { Outcome } from "../console/console-actions.js";
import type { ConsoleDeps } from "../console/console-context.js";
import type { TokenScope } from "../store/api-token-store.js";
import type { ApiCaller } from "./api-caller.js";

/** What a route answers: a status and a JSON body (errors are `{error: message}`). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

export type ApiDeps = ConsoleDeps & { maxTokenDays: number };

const empty = z.object({});
type Empty = typeof empty;

/**
 * One route of the API: its schemas are both what requests are checked against and what
 * /api/v1/openapi.json describes, so the description cannot drift from the code.
 */
export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: "GET" | "POST" | "DELETE";
  /** OpenAPI style: `/api/v1/jobs/{id}`. */
  path: string;
  summary: string;
  /** The scope a caller needs (an operator's acts need `operate`). */
  scope: TokenScope;
  params: P;
  query: Q;
  body?: B;
  response: z.ZodType;
  /** The status of a success (200 unless said): 202 for a job queued, 201 for a token issued. */
  okStatus?: 201 | 202;
  run(deps: ApiDeps, caller: ApiCaller, input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }): Promise<ApiAnswer>;
}

export function route<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  r: Omit<ApiRoute<P, Q, B>, "params" | "query"> & { params?: P; query?: Q },
): ApiRoute {
  return { ...r, params: r.params ?? empty, query: r.query ?? empty } as unknown as ApiRoute;
}

/** A console refusal as the API's answer: the same status and message. */
export function answer<T>(o: Outcome<T>, ok: (v: T) => unknown, status = 200): ApiAnswer {
  return o.ok ? { status, body: ok(o.value) } : { status: o.status, body: { error: `${o.heading}: ${o.text}` } };
}

export const errorSchema = z.object({ error: z.string() });
export const repoName = z.string().regex(/^[^/\s]+\/[^/\s]+$/, "owner/name");
