import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validate } from "dockerfile-utils";
import picomatch from "picomatch";
import { parse, parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";

const ROOT = join(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const dockerfile = read("Dockerfile");
const ignored = read(".dockerignore")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const inContext = (path: string) => {
  let out = true;
  for (const rule of ignored) {
    const negated = rule.startsWith("!");
    const glob = negated ? rule.slice(1) : rule;
    if (picomatch(glob, { dot: true })(path) || path.startsWith(`${glob}/`)) out = negated;
  }
  return out;
};

describe("Dockerfile", () => {
  it("lints clean (dockerfile-utils), and the linter does flag a broken file", () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(validate("FROM node:20\nEXPOSE port\nCMD\n").length).toBeGreaterThan(0);
  });

  it("builds for the target architecture and verifies every tool it downloads", () => {
    expect(dockerfile).toContain("ARG TARGETARCH");
    // No architecture written into a download URL.
    for (const line of dockerfile.split("\n").filter((l) => l.includes("https://"))) expect(line).not.toMatch(/amd64|x86_64|arm64/);
    // terraform: HashiCorp's SHA256SUMS, signed by the pinned key; tofu likewise.
    expect(dockerfile).toMatch(
      /verify-signed https:\/\/www\.hashicorp\.com\/\.well-known\/pgp-key\.txt "\$\{HASHICORP_PGP_FINGERPRINT\}" "\$\{sums\}\.sig" "\$\{sums\}"/,
    );
    expect(dockerfile).toContain("ARG HASHICORP_PGP_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F");
    expect(dockerfile).toMatch(/verify-signed https:\/\/get\.opentofu\.org\/opentofu\.asc "\$\{OPENTOFU_PGP_FINGERPRINT\}"/);
    expect(dockerfile.match(/\| sha256sum -c -/g)?.length).toBeGreaterThanOrEqual(4);
    expect(dockerfile).toContain("COPY --from=tools /out/terraform /out/tofu /out/helm /out/kubectl /usr/local/bin/");
    expect(dockerfile).not.toContain("lambda-layer-kubectl");
  });

  it("runs compiled JavaScript as a non-root user whose data dir exists and is its own before the volume", () => {
    const at = (s: string) => dockerfile.lastIndexOf(s);
    expect(at("chown -R sluice:sluice /var/lib/sluice")).toBeGreaterThan(0);
    expect(at("mkdir -p /var/lib/sluice/data")).toBeLessThan(at('VOLUME ["/var/lib/sluice/data"]'));
    expect(at("chown -R sluice:sluice /var/lib/sluice")).toBeLessThan(at('VOLUME ["/var/lib/sluice/data"]'));
    expect(dockerfile).toContain("USER sluice:sluice");
    // The image runs the app as `npm start` does, environment and flags included (the benchmarks
    // measure that): `npm start`'s NAME=value words are in the image's ENV, the rest is its CMD.
    const start = (JSON.parse(read("package.json")) as { scripts: { start: string } }).scripts.start;
    expect(start).toMatch(/^(?:[A-Z_]+=\S+ )*node .*dist\/src\/main\.js$/);
    const words = start.split(" ");
    const node = words.indexOf("node");
    expect(node).toBeGreaterThan(0);
    // The ENV instructions of the image's last stage (the one that runs).
    const runStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const env = [...runStage.matchAll(/^ENV (?:.*\\\n)*.*$/gm)].flatMap((m) => m[0].split(/\s+/));
    for (const assignment of words.slice(0, node)) expect(env).toContain(assignment);
    expect(dockerfile).toContain(`CMD ${JSON.stringify(words.slice(node))}`.replaceAll('","', '", "'));
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap python3/);
    expect(dockerfile).not.toContain("tsx");
  });

  it("copies only files that exist and that .dockerignore lets into the context; the context never holds .env or keys", () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => (m[1] ?? "").split(/\s+/));
    expect(sources.length).toBeGreaterThan(4);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(inContext(src), src).toBe(true);
    }
    for (const secret of [".env", ".env.local", "deploy/.env", "app.pem", "keys/app.pem", "node_modules", ".tools"])
      expect(inContext(secret), secret).toBe(false);
    expect(inContext(".env.example")).toBe(true);
  });
});

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        environment?: Record<string, string>;
        volumes?: string[];
        depends_on?: Record<string, { condition: string }>;
        env_file?: string;
      }
    >;
  };

  it("runs Sluice on PostgreSQL, with its data dir on a volume", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["postgres", "sluice"]);
    const sluice = compose.services.sluice;
    expect(sluice?.build).toBe(".");
    expect(sluice?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/sluice:\$\{POSTGRES_PASSWORD\}@postgres:5432\/sluice$/);
    expect(sluice?.volumes).toContain("sluice-data:/var/lib/sluice/data");
    expect(sluice?.depends_on?.postgres?.condition).toBe("service_healthy");
    expect(sluice?.env_file).toBe(".env");
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
  });

  it("is valid for `docker compose config` where the client has the compose plugin", () => {
    const hasCompose = spawnSync("docker", ["compose", "version"], { encoding: "utf8" }).status === 0;
    // These machines' docker client has no compose plugin; the structure is checked above.
    if (!hasCompose) return;
    const r = spawnSync("docker", ["compose", "-f", join(ROOT, "compose.yaml"), "config", "--quiet"], {
      encoding: "utf8",
      env: { ...process.env, POSTGRES_PASSWORD: "x" },
      cwd: ROOT,
    });
    expect(r.status, r.stderr).toBe(0);
  });
});

describe("Helm chart deploy/helm/sluice", () => {
  let helm: string;
  beforeAll(async () => {
    helm = (await installHelm()).path;
  });
  const chart = join(ROOT, "deploy/helm/sluice");
  const render = (...set: string[]) =>
    parseAllDocuments(
      execFileSync(helm, ["template", "rel", chart, ...set.flatMap((s) => ["--set", s])], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    )
      .map((d) => d.toJS() as { kind: string; spec?: Record<string, unknown>; data?: Record<string, string> })
      .filter(Boolean);

  it("lints", () => {
    expect(execFileSync(helm, ["lint", "--strict", chart], { encoding: "utf8" })).toContain("0 chart(s) failed");
  });

  it("renders one non-root replica with its data volume, probes on /healthz and /readyz, and the public URL", () => {
    const docs = render("publicUrl=https://sluice.example.com", "serverConfig=parallel: 2");
    expect(docs.map((d) => d.kind).sort()).toEqual(["ConfigMap", "Service", "StatefulSet"]);
    const sts = docs.find((d) => d.kind === "StatefulSet") as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: {
            securityContext: Record<string, unknown>;
            containers: {
              env: { name: string; value: string }[];
              livenessProbe: { httpGet: { path: string } };
              readinessProbe: { httpGet: { path: string } };
              volumeMounts: { mountPath: string }[];
              envFrom: unknown[];
            }[];
          };
        };
        volumeClaimTemplates: { metadata: { name: string } }[];
      };
    };
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
    const c = sts.spec.template.spec.containers[0];
    expect(c?.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c?.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c?.volumeMounts.map((m) => m.mountPath)).toEqual(["/var/lib/sluice/data", "/etc/sluice"]);
    expect(c?.env).toContainEqual({ name: "SLUICE_PUBLIC_URL", value: "https://sluice.example.com" });
    expect(c?.env).toContainEqual({ name: "SLUICE_SERVER_CONFIG", value: "/etc/sluice/server-config.yaml" });
    expect(c?.envFrom).toEqual([{ secretRef: { name: "sluice" } }]);
    expect(docs.find((d) => d.kind === "ConfigMap")?.data?.["server-config.yaml"]?.trim()).toBe("parallel: 2");
  });

  it("refuses several replicas on the embedded store unless told they share PostgreSQL and a volume", () => {
    expect(() => render("replicaCount=2")).toThrow(/needs DATABASE_URL/);
    expect(render("replicaCount=2", "allowSeveralReplicas=true").find((d) => d.kind === "StatefulSet")?.spec?.replicas).toBe(2);
  });
});
