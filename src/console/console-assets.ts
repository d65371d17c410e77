import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { SECURITY_HEADERS } from "./http-replies.js";

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  "/assets/console.css": { file: join(import.meta.dirname, "assets", "console.css"), type: "text/css; charset=utf-8" },
  "/assets/job.js": { file: join(import.meta.dirname, "assets", "job.js"), type: "text/javascript; charset=utf-8" },
  "/assets/ansi_up.js": { file: require.resolve("ansi_up"), type: "text/javascript; charset=utf-8" },
};

export const isConsoleAsset = (path: string): boolean => Object.hasOwn(ASSETS, path);

/** Serves the console's stylesheet and scripts, each read from disk once. */
export function createConsoleAssets() {
  const cache = new Map<string, Buffer>();
  return function serveAsset(res: ServerResponse, path: string): void {
    const a = ASSETS[path] as { file: string; type: string };
    let body = cache.get(path);
    if (!body) {
      body = readFileSync(a.file);
      cache.set(path, body);
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": a.type, "cache-control": "public, max-age=300" }).end(body);
  };
}
