import { z } from "zod";
import { type ApiRoute, errorSchema } from "./api-route.js";

const schema = (s: z.ZodType, io: "input" | "output") => z.toJSONSchema(s, { io, target: "openapi-3.0", unrepresentable: "any" });

/** The parameters of an object schema, one per key (`in: path` or `in: query`). */
function parameters(s: z.ZodType, where: "path" | "query") {
  const json = schema(s, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: p,
  }));
}

/** /api/v1/openapi.json: generated from the routes' own schemas (OpenAPI 3.0). */
export function openApiDocument(routes: readonly ApiRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = {
    description: "An error, with a message",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${r.path
        .replace(/^\/api\/v1/, "")
        .replace(/[{}]/g, "")
        .replace(/[/_-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      "x-sluice-scope": r.scope,
      security: [{ bearer: [] }],
      parameters: [...parameters(r.params, "path"), ...parameters(r.query, "query")],
      responses: {
        [String(r.okStatus ?? 200)]: {
          description: "OK",
          content: { "application/json": { schema: schema(r.response, "output") } },
        },
        default: error,
      },
    };
    // An empty body reads as `{}`: a body whose every field is optional need not be sent.
    if (r.body)
      op.requestBody = { required: !r.body.safeParse({}).success, content: { "application/json": { schema: schema(r.body, "input") } } };
    paths[r.path] = { ...paths[r.path], [r.method.toLowerCase()]: op };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Sluice API",
      version: "1",
      description:
        "Reads and operations of the Sluice console. Bearer tokens: tokens an admin issued (scopes read, operate, admin), or the SSO provider's access tokens (scopes from the user's roles).",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: schema(errorSchema, "output") },
    },
    paths,
  };
}
