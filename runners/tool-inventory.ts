import { tmpdir } from "node:os";
import type { RunnerKind } from "../src/model/project.js";
import { missingBinaryOf } from "./missing-tool.js";
import type { Exec } from "./runner.js";
import { errorMessage } from "../src/util/errors.js";

export interface ToolProbe {
  /** The configured binary (name on PATH, or a path). */
  binary: string;
  args: string[];
  /** The version from the tool's output, or undefined when it cannot be read. */
  version(stdout: string): string | undefined;
  /** Project kinds that need this tool. */
  serves: RunnerKind[];
  /** What cannot work without it, when that is not a project kind (policy checks). */
  needed?: string;
}

export type ToolFound = { binary: string; serves: RunnerKind[]; needed?: string } & (
  | { found: true; version: string }
  | { found: false; reason: string }
);

const json = (s: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/** The probes for the tools Sluice runs, with the binaries the server config names. */
export function toolProbes(binaries: {
  terraform: string;
  tofu: string;
  helm: string;
  kubectl: string;
  /** Absent: no terragrunt probe (callers that predate Terragrunt units). */
  terragrunt?: string;
  bwrap?: string;
  /** Only when the server config has `policies`. */
  conftest?: string;
}): ToolProbe[] {
  const tfVersion = (s: string) => {
    const v = json(s)?.terraform_version;
    return typeof v === "string" ? v : undefined;
  };
  return [
    { binary: binaries.terraform, args: ["version", "-json"], version: tfVersion, serves: ["terraform"] },
    { binary: binaries.tofu, args: ["version", "-json"], version: tfVersion, serves: ["opentofu"] },
    { binary: binaries.helm, args: ["version", "--template", "{{.Version}}"], version: (s) => s.trim() || undefined, serves: ["helm"] },
    {
      binary: binaries.kubectl,
      args: ["version", "--client", "-o", "json"],
      version: (s) => {
        const v = (json(s)?.clientVersion as { gitVersion?: unknown } | undefined)?.gitVersion;
        return typeof v === "string" ? v : undefined;
      },
      serves: ["kustomize"],
    },
    ...(binaries.terragrunt
      ? [
          {
            // `terragrunt --version` prints "terragrunt version v0.77.0".
            binary: binaries.terragrunt,
            args: ["--version"],
            version: (s: string) => /version\s+v?(\S+)/.exec(s)?.[1],
            serves: ["terragrunt" as const],
          },
        ]
      : []),
    // The sandbox runs every tool inside bwrap; no project kind needs it by itself.
    { binary: binaries.bwrap ?? "bwrap", args: ["--version"], version: (s) => /bubblewrap\s+(\S+)/.exec(s)?.[1], serves: [] },
    ...(binaries.conftest
      ? [
          {
            // `conftest --version` prints "Conftest: 0.59.0" and "OPA: 1.3.0".
            binary: binaries.conftest,
            args: ["--version"],
            version: (s: string) => /Conftest:\s*v?(\S+)/.exec(s)?.[1],
            serves: [],
            needed: "policy checks",
          },
        ]
      : []),
  ];
}

/** Asks each tool for its version through the exec choke point, all at once. */
export async function findTools(probes: ToolProbe[], exec: Exec): Promise<ToolFound[]> {
  return Promise.all(
    probes.map(async (p): Promise<ToolFound> => {
      const base = { binary: p.binary, serves: p.serves, ...(p.needed ? { needed: p.needed } : {}) };
      try {
        const r = await exec(p.binary, p.args, { cwd: tmpdir(), env: { CHECKPOINT_DISABLE: "1" }, timeoutMs: 20_000 });
        const version = r.exitCode === 0 ? p.version(r.stdout) : undefined;
        if (version) return { ...base, found: true, version };
        return {
          ...base,
          found: false,
          reason: `\`${p.binary} ${p.args.join(" ")}\` ${r.timedOut ? "timed out" : `exited with ${r.exitCode ?? r.signal}`}`,
        };
      } catch (e) {
        return { ...base, found: false, reason: missingBinaryOf(e) ? "not found on PATH" : errorMessage(e) };
      }
    }),
  );
}

/** One log line: what was found, and which project kinds this server cannot serve. */
export function describeTools(found: ToolFound[]): { message: string; cannotServe: RunnerKind[]; degraded: boolean } {
  const have = found.filter((t) => t.found).map((t) => `${t.binary} ${t.found ? t.version : ""}`);
  const missing = found.filter((t) => !t.found).map((t) => `${t.binary} (${t.found ? "" : t.reason})`);
  const servedBy = new Set(found.filter((t) => t.found).flatMap((t) => t.serves));
  const cannotServe = [...new Set(found.flatMap((t) => t.serves))].filter((k) => !servedBy.has(k));
  const parts = [`tools: ${have.length ? have.join(", ") : "none found"}`];
  if (missing.length) parts.push(`missing: ${missing.join(", ")}`);
  const cannotRun = found.filter((t) => !t.found && t.needed);
  for (const t of cannotRun) parts.push(`${t.needed} cannot run until \`${t.binary}\` is installed`);
  parts.push(
    cannotServe.length
      ? `cannot serve ${cannotServe.join(", ")} projects (their plans will say which binary to install)`
      : "every project kind can be served",
  );
  return { message: parts.join("; "), cannotServe, degraded: cannotServe.length > 0 || cannotRun.length > 0 };
}
