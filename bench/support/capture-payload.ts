import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Runs `act` with the simulator's deliveries going to a local catcher instead of the app, and
 * returns the JSON body of the delivery it caused: a real GitHub-shaped payload to replay.
 */
export async function capturePayload(
  setTarget: (url: string) => void,
  restoreTarget: string,
  act: () => Promise<unknown>,
): Promise<Record<string, unknown>> {
  let body: Buffer | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      body ??= Buffer.concat(chunks);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    setTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await act();
  } finally {
    setTarget(restoreTarget);
    await new Promise<void>((r) => server.close(() => r()));
  }
  if (!body) throw new Error("no delivery was captured");
  return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
}
