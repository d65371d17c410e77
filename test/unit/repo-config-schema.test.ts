import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildJsonSchema, JSON_SCHEMA_PATH } from "../../src/config/repo/write-json-schema.js";

describe("schema/sluice.schema.json", () => {
  it("is what the generator writes (run `npx tsx src/config/repo/write-json-schema.ts` after schema changes)", () => {
    const checkedIn = readFileSync(new URL(`../../${JSON_SCHEMA_PATH}`, import.meta.url), "utf8");
    expect(checkedIn).toBe(buildJsonSchema());
  });

  it("describes a strict mapping with a required version 1", () => {
    const schema = JSON.parse(buildJsonSchema()) as Record<string, unknown>;
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(["version"]);
    expect(schema.additionalProperties).toBe(false);
    expect((schema.properties as Record<string, unknown>).version).toEqual({ type: "number", const: 1 });
  });
});
