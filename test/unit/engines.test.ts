import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const pkg = JSON.parse(read("package.json")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(read("package-lock.json")) as {
  packages: Record<
    string,
    { version?: string; engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean; os?: string[]; cpu?: string[] }
  >;
};

describe("one Node version everywhere", () => {
  const floor = semver.minVersion(pkg.engines.node)?.version ?? "";

  it("package.json, README, CI and the Dockerfile say the same", () => {
    expect(floor).toBe("20.19.0");
    expect(read("README.md")).toContain("Node.js ≥ 20.19");
    expect(read(".ci/run")).toContain("a === 20 && b < 19");
    const image = /^ARG NODE_VERSION=(\S+)$/m.exec(read("Dockerfile"))?.[1] ?? "";
    expect(semver.satisfies(image, pkg.engines.node), image).toBe(true);
  });

  it("every package in the tree runs on that Node version (its engines allow it)", () => {
    const refusing: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
      // Platform binaries for other systems are never installed here.
      if (!path || !range || (p.optional && (p.os || p.cpu))) continue;
      if (!semver.satisfies(floor, range) || !semver.satisfies("20.20.2", range)) refusing.push(`${path}@${p.version} wants node ${range}`);
    }
    expect(refusing).toEqual([]);
  });

  it("the content-type that @octokit/request pulls in is one that supports Node 20", () => {
    const ct = lock.packages["node_modules/@octokit/request/node_modules/content-type"] ?? lock.packages["node_modules/content-type"];
    expect(ct?.version).toBe("2.1.0");
  });

  it("runtime dependencies are only what the shipped code uses", () => {
    const deps = Object.keys(pkg.dependencies);
    expect(deps).not.toContain("tsx");
    expect(deps).not.toContain("pino-pretty");
    expect(deps).not.toContain("@octokit/webhooks-methods");
    expect(pkg.devDependencies.tsx).toBeDefined();
  });
});
