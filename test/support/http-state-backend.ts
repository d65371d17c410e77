import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Terraform's `http` backend as a test controls it: GET answers the state it holds (404 before
 * any), POST stores one; `refuseWrites` answers 500 as a bucket that is down would, `dropWrites`
 * answers 200 and keeps nothing (a backend that loses what it acknowledged), and `hold` keeps each
 * POST unanswered (in `held`) until the test answers it (`close` answers 500).
 */
export interface HttpStateBackend {
  /** The backend's `address`. */
  url: string;
  state: string | undefined;
  refuseWrites: boolean;
  dropWrites: boolean;
  posts: number;
  hold: boolean;
  held: ServerResponse[];
  close(): Promise<void>;
}

export async function startHttpStateBackend(): Promise<HttpStateBackend> {
  const backend: HttpStateBackend = {
    url: "",
    state: undefined,
    refuseWrites: false,
    dropWrites: false,
    posts: 0,
    hold: false,
    held: [],
    close: async () => {
      for (const res of backend.held.splice(0)) res.writeHead(500).end();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.method === "GET") {
        if (backend.state === undefined) res.writeHead(404).end();
        else res.writeHead(200, { "content-type": "application/json" }).end(backend.state);
        return;
      }
      if (req.method === "POST") {
        backend.posts++;
        if (backend.hold) return void backend.held.push(res);
        if (backend.refuseWrites) return void res.writeHead(500).end("bucket unavailable");
        if (backend.dropWrites) return void res.writeHead(200).end();
        backend.state = body;
        return void res.writeHead(200).end();
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  backend.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/state`;
  return backend;
}

/** A `terraform` block whose `http` backend is `address`, to start a project's main.tf with. */
export const httpBackendBlock = (address: string) => `terraform {\n  backend "http" {\n    address = "${address}"\n  }\n}\n\n`;

/**
 * atlantis.yaml lines of a workflow `name` whose init names `address` as the backend
 * (`-backend-config`, the custom backend config pattern), under `workflows:`.
 */
export const workflowNamingBackend = (name: string, address: string) => [
  `  ${name}:`,
  "    plan:",
  "      steps:",
  "        - init:",
  `            extra_args: ["-backend-config=address=${address}"]`,
  "        - plan",
];
