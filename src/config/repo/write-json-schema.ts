import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { sluiceConfigSchema } from "./sluice-schema.js";

/** Where the generated schema is checked in, relative to the repository root. */
export const JSON_SCHEMA_PATH = "schema/sluice.schema.json";

/**
 * The JSON Schema of `.sluice.yaml`, generated from the zod schema so the two cannot disagree;
 * "input" because that is what a person writes (defaults make keys optional). Ends with a newline.
 */
export function buildJsonSchema(): string {
  const schema = z.toJSONSchema(sluiceConfigSchema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// `npx tsx src/config/repo/write-json-schema.ts` regenerates the file; importing it writes nothing.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const target = resolve(root, JSON_SCHEMA_PATH);
  writeFileSync(target, buildJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
