import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmBinary } from "../../runners/helm/helm-binary.js";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness } from "../support/harness.js";
import { planPr as planPrOf } from "./kubernetes-support.js";

const USER = "charts-reader";
const PASSWORD = "chart-repo-pass-5d1e";

let h: Harness;
let server: Server;
let repoDir: string;
let repoUrl: string;

/** A chart repository in `helm repo index` form, served on 127.0.0.1 behind basic auth. */
async function startChartRepository(): Promise<void> {
  repoDir = await mkdtemp(join(tmpdir(), "chart-repo-"));
  server = createServer(async (req, res) => {
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="charts"' }).end();
      return;
    }
    try {
      const name = (req.url ?? "/").split("?")[0]?.replace(/^\/+/, "") ?? "";
      if (name.includes("/") || name.includes("..")) throw new Error("no");
      res.writeHead(200).end(await readFile(join(repoDir, name)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  repoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const src = join(repoDir, "src", "cache");
  await mkdir(join(src, "templates"), { recursive: true });
  await writeFile(join(src, "Chart.yaml"), "apiVersion: v2\nname: cache\nversion: 1.0.0\n");
  await writeFile(join(src, "values.yaml"), "replicas: 1\n");
  await writeFile(
    join(src, "templates", "statefulset.yaml"),
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-cache\nspec:\n  replicas: {{ .Values.replicas }}\n",
  );
  const helm = promisify(execFile);
  await helm(helmBinary(), ["package", src, "--destination", repoDir]);
  await rm(join(repoDir, "src"), { recursive: true });
  await helm(helmBinary(), ["repo", "index", repoDir, "--url", repoUrl]);
}

beforeAll(async () => {
  await installHelm();
  await startChartRepository();
  h = await startHarness({
    serverConfig: `helm_repositories:\n  - url: ${repoUrl}\n    username: env:CHARTS_USER\n    password: env:CHARTS_PASSWORD\n`,
    env: { CHARTS_USER: USER, CHARTS_PASSWORD: PASSWORD },
  });
  h.sim.addUser("alice");
}, 180_000);
afterAll(async () => {
  await h?.stop();
  await new Promise((r) => server?.close(r));
  await rm(repoDir, { recursive: true, force: true });
});

const app = (repository: string) => ({
  "charts/app/Chart.yaml": `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: cache\n    version: 1.0.0\n    repository: ${repository}\n`,
  "charts/app/values.yaml": "cache:\n  replicas: 1\n",
  "charts/app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n",
});

const planPr = (files: Record<string, string>, change: Record<string, string | null>) => planPrOf(h, "deps", files, change);

describe("chart dependencies", () => {
  it("a dependency from a repository the server allows is fetched with the server's credentials", async () => {
    const { check, body } = await planPr(app(repoUrl), { "charts/app/values.yaml": "cache:\n  replicas: 3\n" });
    expect(body, body).not.toContain("helm repo add");
    expect(check?.conclusion).toBe("success");
    expect(body).toContain("StatefulSet/default/app-cache");
    expect(body).toMatch(/-\s+replicas: 1/);
    expect(body).toMatch(/\+\s+replicas: 3/);
    expect(body).not.toContain(PASSWORD);
  });

  it("a dependency from any other repository gets a message naming it, its repository and the two ways to provide it", async () => {
    const other = "https://charts.example.com/stable";
    const { check, body } = await planPr(app(other), { "charts/app/values.yaml": "cache:\n  replicas: 3\n" });
    expect(check?.conclusion).toBe("failure");
    expect(body).toContain(`chart dependency \`cache\` comes from \`${other}\``);
    expect(body).toContain("helm dependency build charts/app");
    expect(body).toContain("`helm_repositories`");
    expect(body).not.toContain("helm repo add");
  });
});
