import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { auditPayloadSchema } from "./audit-payload.js";

/** Where the audit event's JSON Schema is checked in, relative to the repository root. */
export const EVENT_SCHEMA_PATH = "schema/audit-event.schema.json";

/** The JSON Schema of one audit-stream event, generated from the zod schema the app builds events with. */
export function buildEventSchema(): string {
  const schema = z.toJSONSchema(auditPayloadSchema, { io: "output", target: "draft-2020-12" });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// `npx tsx src/audit/write-event-schema.ts` regenerates the file; importing it writes nothing.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  writeFileSync(resolve(root, EVENT_SCHEMA_PATH), buildEventSchema());
  console.log(`wrote ${EVENT_SCHEMA_PATH}`);
}
