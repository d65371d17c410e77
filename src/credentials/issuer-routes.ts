import type { ServerResponse } from "node:http";
import { DISCOVERY_PATH, JWKS_PATH, type OidcIssuer } from "./oidc-issuer.js";

const CACHE_MS = 10_000;

/**
 * The issuer's two public documents, at the root and under SLUICE_PUBLIC_URL's path (a proxy may
 * pass the prefix on or strip it). The key set is read from the store at most every few seconds:
 * the paths are public, and a key is published a day before it signs, so a short cache loses nothing.
 */
export function issuerRoutes(issuer: OidcIssuer): (path: string, res: ServerResponse) => boolean {
  const prefix = new URL(issuer.issuer).pathname.replace(/\/+$/, "");
  let cached: { at: number; body: string } | undefined;
  const json = (res: ServerResponse, body: string) =>
    res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=60" }).end(body);
  const is = (path: string, doc: string) => path === doc || (prefix !== "" && path === `${prefix}${doc}`);
  return (path, res) => {
    if (is(path, DISCOVERY_PATH)) {
      json(res, JSON.stringify(issuer.discovery()));
      return true;
    }
    if (!is(path, JWKS_PATH)) return false;
    if (cached && Date.now() - cached.at < CACHE_MS) {
      json(res, cached.body);
      return true;
    }
    issuer
      .jwks()
      .then((set) => {
        cached = { at: Date.now(), body: JSON.stringify(set) };
        json(res, cached.body);
      })
      .catch(() => {
        if (!res.headersSent)
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "key set unavailable" }));
      });
    return true;
  };
}
