import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import protobuf from "protobufjs/light.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlanFileContents } from "../../runners/terraform/plan-file-contents.js";
import { planFileMismatch } from "../../runners/terraform/plan-file-mismatch.js";
import { makeZip } from "../support/make-zip.js";

/** planfile.proto's Backend (field 13), as terraform writes it: type, config as msgpack, workspace. */
function backendField(type: string, config: Record<string, unknown> | Uint8Array, workspace: string): Uint8Array {
  const dynamic = protobuf.Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(config instanceof Uint8Array ? config : encode(config))
    .finish();
  const b = protobuf.Writer.create()
    .uint32((1 << 3) | 2)
    .string(type)
    .uint32((2 << 3) | 2)
    .bytes(dynamic)
    .uint32((3 << 3) | 2)
    .string(workspace)
    .finish();
  return protobuf.Writer.create()
    .uint32((13 << 3) | 2)
    .bytes(b)
    .finish();
}

/** A configuration without a backend block: terraform's plan names the local one, its attributes unset. */
const LOCAL = { type: "local", config: { path: null, workspace_dir: null }, workspace: "default" };
const LOCAL_FIELD = backendField(LOCAL.type, LOCAL.config, LOCAL.workspace);

/** planfile.proto's wire form, written field by field (not through the reader's own schema). */
function tfplan(version: number, changes: { addr: string; deposed?: string; action: number }[], backend: Uint8Array = LOCAL_FIELD): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).uint64(version);
  for (const c of changes) {
    const change = protobuf.Writer.create();
    change.uint32((1 << 3) | 0).int32(c.action);
    const rc = protobuf.Writer.create();
    rc.uint32((13 << 3) | 2).string(c.addr);
    if (c.deposed) rc.uint32((7 << 3) | 2).string(c.deposed);
    rc.uint32((9 << 3) | 2).bytes(change.finish());
    // An unknown field (a newer Terraform's): skipped.
    rc.uint32((99 << 3) | 2).string("later");
    w.uint32((3 << 3) | 2).bytes(rc.finish());
  }
  w.uint32((14 << 3) | 2).string("1.11.4");
  return Buffer.concat([w.finish(), backend]);
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-planfile-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

describe("readPlanFileContents", () => {
  it("reads each change's address, deposed key and actions as terraform's JSON names them", async () => {
    const plan = tfplan(3, [
      { addr: "aws_db_instance.main", action: 5 },
      { addr: "module.net.aws_vpc.this[0]", action: 6 },
      { addr: "aws_instance.web", deposed: "00000001", action: 5 },
      { addr: "null_resource.x", action: 0 },
      { addr: "odd.one", action: 42 },
    ]);
    const path = await file(
      "ok.tfplan",
      makeZip([
        { name: "tfstate", data: Buffer.from("{}") },
        { name: "tfplan", data: plan },
      ]),
    );
    expect(await readPlanFileContents(path)).toEqual({
      ok: true,
      changes: [
        { address: "aws_db_instance.main", deposed: "", previous: "", importing: false, actions: ["delete"] },
        { address: "module.net.aws_vpc.this[0]", deposed: "", previous: "", importing: false, actions: ["delete", "create"] },
        { address: "aws_instance.web", deposed: "00000001", previous: "", importing: false, actions: ["delete"] },
        { address: "null_resource.x", deposed: "", previous: "", importing: false, actions: ["no-op"] },
        { address: "odd.one", deposed: "", previous: "", importing: false, actions: ["action 42"] },
      ],
      backend: LOCAL,
    });
  });

  it("reads a tfplan as Go's protobuf does: a change given twice merged, a known field under another wire type skipped", async () => {
    // The second, empty, change adds nothing to the first: this change deletes.
    const rc = protobuf.Writer.create()
      .uint32((13 << 3) | 2)
      .string("aws_db_instance.main");
    rc.uint32((9 << 3) | 2).bytes(
      protobuf.Writer.create()
        .uint32((1 << 3) | 0)
        .int32(5)
        .finish(),
    );
    rc.uint32((9 << 3) | 2).bytes(new Uint8Array(0));
    const twice = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .uint64(3)
      .uint32((3 << 3) | 2)
      .bytes(rc.finish());
    const merged = await readPlanFileContents(
      await file("twice.tfplan", makeZip([{ name: "tfplan", data: Buffer.concat([twice.finish(), LOCAL_FIELD]) }])),
    );
    const deletes = {
      ok: true,
      changes: [{ address: "aws_db_instance.main", deposed: "", previous: "", importing: false, actions: ["delete"] }],
      backend: LOCAL,
    };
    expect(merged).toEqual(deletes);
    // A resource_changes field sent as a varint is an unknown field to Go, skipped: the change
    // after it counts. A decoder taking the varint for a length would read that change as a
    // field of an empty one (a no-op the JSON need not show).
    const hidden = tfplan(3, [{ addr: "aws_db_instance.main", action: 5 }]).subarray(2);
    const skipped = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .uint64(3)
      .uint32((3 << 3) | 0)
      .uint32(hidden.length - 8);
    const data = Buffer.concat([Buffer.from(skipped.finish()), hidden]);
    expect(await readPlanFileContents(await file("wire.tfplan", makeZip([{ name: "tfplan", data }])))).toEqual(deletes);
  });

  it("refuses a tfplan of more changes than show's JSON could list, counted before any is decoded", async () => {
    // 2 bytes an empty change: 20 million of them fill a 512 MiB heap from a 39 KiB zip (fatal).
    const count = 1_000_001;
    const data = Buffer.alloc(2 + 2 * count);
    data.set([0x08, 3]);
    for (let i = 0; i < count; i++) data[2 + 2 * i] = 0x1a;
    const read = await readPlanFileContents(await file("many.tfplan", makeZip([{ name: "tfplan", data }])));
    expect(read).toEqual({ ok: false, reason: "its tfplan holds 1000001 resource changes, more than Sluice reads (1000000)" });
  });

  it("a file that is no zip is no local plan file; a broken tfplan or another format version is a reason", async () => {
    expect(await readPlanFileContents(await file("cloud.tfplan", Buffer.from('{"remote_plan_format":1}')))).toBeUndefined();
    expect(await readPlanFileContents(await file("nozip.tfplan", makeZip([{ name: "other", data: Buffer.from("x") }])))).toBeUndefined();
    const broken = await readPlanFileContents(
      await file("broken.tfplan", makeZip([{ name: "tfplan", data: Buffer.from([0x1a, 0xff, 0xff]) }])),
    );
    expect(broken).toMatchObject({ ok: false, reason: expect.stringContaining("could not be decoded") });
    const v2 = await readPlanFileContents(await file("v2.tfplan", makeZip([{ name: "tfplan", data: tfplan(2, []) }])));
    expect(v2).toEqual({ ok: false, reason: "its tfplan is format version 2, not 3" });
  });
});

describe("a plan file's backend: where its apply writes the state", () => {
  const read = async (name: string, backend: Uint8Array) =>
    readPlanFileContents(await file(name, makeZip([{ name: "tfplan", data: tfplan(3, [], backend) }])));

  it("its type, its settings as init resolved them and its workspace", async () => {
    const s3 = backendField("s3", { bucket: "states", key: "net/terraform.tfstate", region: null, max_retries: 5 }, "staging");
    expect(await read("s3.tfplan", s3)).toMatchObject({
      ok: true,
      backend: {
        type: "s3",
        config: { bucket: "states", key: "net/terraform.tfstate", region: null, max_retries: 5 },
        workspace: "staging",
      },
    });
  });

  it("a setting whose bytes are not UTF-8 is a reason: terraform (Go) keeps them, never the characters a lax decoder makes of them", async () => {
    // {path: "/srv/net\xC0\xAF.tfstate"}: an overlong "/" terraform writes as those bytes, a lax decoder reads as "/".
    const path = Buffer.concat([Buffer.from("/srv/net"), Buffer.from([0xc0, 0xaf]), Buffer.from(".tfstate")]);
    const raw = Buffer.concat([Buffer.from([0x81, 0xa4]), Buffer.from("path"), Buffer.from([0xd9, path.length]), path]);
    expect(await read("overlong.tfplan", backendField("local", raw, "default"))).toMatchObject({
      ok: false,
      reason: expect.stringContaining("its backend's config could not be decoded"),
    });
    // Control: the same setting as UTF-8 is read as it is.
    const good = Buffer.from("/srv/net/\u00ff.tfstate");
    const ok = Buffer.concat([Buffer.from([0x81, 0xa4]), Buffer.from("path"), Buffer.from([0xd9, good.length]), good]);
    expect(await read("utf8.tfplan", backendField("local", ok, "default"))).toMatchObject({
      ok: true,
      backend: { config: { path: "/srv/net/\u00ff.tfstate" } },
    });
  });

  it("a tfplan without a backend, or whose settings are not a msgpack object, is a reason", async () => {
    expect(await read("none.tfplan", new Uint8Array())).toEqual({ ok: false, reason: "its tfplan names no backend" });
    const junk = protobuf.Writer.create()
      .uint32((13 << 3) | 2)
      .bytes(
        protobuf.Writer.create()
          .uint32((1 << 3) | 2)
          .string("s3")
          .uint32((2 << 3) | 2)
          .bytes(
            protobuf.Writer.create()
              .uint32((1 << 3) | 2)
              .bytes(Uint8Array.of(0xc1))
              .finish(),
          )
          .finish(),
      )
      .finish();
    expect(await read("junk.tfplan", junk)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("its backend's config could not be decoded"),
    });
    expect(await read("list.tfplan", backendField("s3", [1, 2] as never, "default"))).toEqual({
      ok: false,
      reason: "its backend's config is not an object",
    });
  });
});

describe("planFileMismatch", () => {
  const rc = (address: string, actions: string[], deposed?: string) => ({ address, deposed, change: { actions } });
  it("the same changes in any order, no-ops aside, match", () => {
    const json = { resource_changes: [rc("b", ["update"]), rc("a", ["create"]), rc("c", ["no-op"])] };
    expect(
      planFileMismatch(json as never, [
        { address: "a", deposed: "", previous: "", importing: false, actions: ["create"] },
        { address: "b", deposed: "", previous: "", importing: false, actions: ["update"] },
      ]),
    ).toBeUndefined();
  });

  it("a change hidden, an action changed, a deposed object or a duplicate: each named", () => {
    const file = [
      { address: "db", deposed: "", previous: "", importing: false, actions: ["delete"] },
      { address: "web", deposed: "k1", previous: "", importing: false, actions: ["delete"] },
      { address: "web", deposed: "k1", previous: "", importing: false, actions: ["delete"] },
    ];
    const said = planFileMismatch({ resource_changes: [rc("db", ["no-op"]), rc("web", ["delete"], "k1")] } as never, file);
    expect(said).toContain("the plan file also does db: delete; web (deposed k1): delete");
    expect(said).not.toContain("the JSON shows");
    const swapped = planFileMismatch({ resource_changes: [rc("db", ["update"])] } as never, [
      { address: "db", deposed: "", previous: "", importing: false, actions: ["delete", "create"] },
    ]);
    expect(swapped).toContain("the plan file also does db: delete, create; the JSON shows db: update, which the plan file does not");
  });

  it("a move or an import hidden behind a no-op is named; the same shown matches", () => {
    const file = [
      { address: "db2", deposed: "", previous: "db", importing: false, actions: ["no-op"] },
      { address: "vpc", deposed: "", previous: "", importing: true, actions: ["no-op"] },
    ];
    const hidden = planFileMismatch({ resource_changes: [rc("db2", ["no-op"]), rc("vpc", ["no-op"])] } as never, file);
    expect(hidden).toContain("the plan file also does db2 (moved from db): no-op; vpc (imported): no-op");
    const shown = {
      resource_changes: [
        { address: "db2", previous_address: "db", change: { actions: ["no-op"] } },
        { address: "vpc", change: { actions: ["no-op"], importing: { id: "vpc-1" } } },
      ],
    };
    expect(planFileMismatch(shown as never, file)).toBeUndefined();
  });
});
