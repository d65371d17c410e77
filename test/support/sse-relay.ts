import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for smee.io: a POST to `/channel…` (GitHub's delivery) is re-sent as one
 * server-sent event on `GET /channel`, in smee's shape (headers as keys, `body` as parsed JSON).
 */
export async function startSseRelay(): Promise<{ channelUrl: string; clients(): number; push(data: object): void; stop(): Promise<void> }> {
  const clients = new Set<ServerResponse>();
  const push = (data: object) => {
    for (const res of clients) res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (req.method === "GET" && path === "/channel") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(": ready\n\n");
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    if (req.method === "POST" && path.startsWith("/channel")) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        // As smee.io: GitHub's own headers travel with the event, the JSON body parsed.
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k.startsWith("x-github-") || k.startsWith("x-hub-") || k === "user-agent"),
        );
        push({ ...headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")), query: {}, timestamp: Date.now() });
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    channelUrl: `http://127.0.0.1:${port}/channel`,
    clients: () => clients.size,
    push,
    async stop() {
      for (const res of clients) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
