import { readFile } from "node:fs/promises";
import { parse } from "yaml";

/**
 * The cluster a kubeconfig reaches: the API server of its current context's cluster. Pure: the
 * text of the file; undefined when it is not a kubeconfig that names one.
 */
export function clusterInKubeconfig(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const config = doc as {
    "current-context"?: unknown;
    contexts?: { name?: unknown; context?: { cluster?: unknown } }[];
    clusters?: { name?: unknown; cluster?: { server?: unknown } }[];
  };
  const current = config["current-context"];
  const contexts = Array.isArray(config.contexts) ? config.contexts : [];
  const clusters = Array.isArray(config.clusters) ? config.clusters : [];
  const name = contexts.find((c) => c?.name === current)?.context?.cluster;
  const server = clusters.find((c) => c?.name === name)?.cluster?.server;
  return typeof server === "string" && server ? sameSpelling(server) : undefined;
}

/** One spelling per server: `https://K8S.example:443/` and `https://k8s.example` are one cluster. */
function sameSpelling(server: string): string {
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return server;
  }
}

/** The cluster of the kubeconfig at `path` (see clusterInKubeconfig); undefined when it cannot be read. */
export async function clusterOf(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  const text = await readFile(path, "utf8").catch(() => undefined);
  return text === undefined ? undefined : clusterInKubeconfig(text);
}

/**
 * Why a Kubernetes preview is not run where the server's `preview` kubeconfig points now: it was
 * applied in another cluster, where a teardown here would find nothing and leave it running.
 * Undefined when it may run (the same cluster, or a record from before clusters were kept).
 */
export function clusterMoved(preview: { cluster?: string; workspace: string }, now: string | undefined, doing: string): string | undefined {
  // A record kept before clusters were spelled one way may hold the kubeconfig's own spelling.
  if (!preview.cluster || sameSpelling(preview.cluster) === now) return undefined;
  return `not ${doing}: the preview (namespace \`${preview.workspace}\`) was applied in the cluster at \`${preview.cluster}\`, and this server's \`preview\` kubeconfig now reaches ${now ? `\`${now}\`` : "no cluster it can read"}. Run here, it would find nothing and leave the preview running there. Give the server its earlier kubeconfig back until the preview is destroyed, or delete the namespace in that cluster yourself.`;
}
