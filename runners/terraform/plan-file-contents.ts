import { readFile } from "node:fs/promises";
import { decode as decodeMsgpack } from "@msgpack/msgpack";
import protobuf from "protobufjs/light.js";
import { errorMessage } from "../../src/util/errors.js";
import { readZipEntry } from "../helm/read-zip-entry.js";

/** A resource instance change as a saved plan file holds it (what `terraform apply` will do). */
export interface PlanFileChange {
  address: string;
  /** The deposed object's key, "" for the current object. */
  deposed: string;
  /** The address a `moved` block moves it from, "" when it stays where it was. */
  previous: string;
  /** Whether the change imports the object (an `import` block). */
  importing: boolean;
  /** As `terraform show -json` writes them (`["delete", "create"]`); an action it has no name for: `["action N"]`. */
  actions: string[];
}

/**
 * The backend a saved plan was made with: where `terraform apply` of that file reads and writes
 * the state (terraform takes it from the plan, not from the backend file in TF_DATA_DIR).
 */
export interface PlanFileBackend {
  type: string;
  /** The backend block's attributes as terraform resolved them at init (-backend-config included); unset ones null. */
  config: Record<string, unknown>;
  workspace: string;
}

/** What a plan file says it changes, and where; `undefined` when it is not a local plan file (a zip with `tfplan`). */
export type PlanFileRead = { ok: true; changes: PlanFileChange[]; backend: PlanFileBackend } | { ok: false; reason: string } | undefined;

/** The largest `tfplan` entry read (its values are msgpack; a plan of a few KiB compressed may inflate to gigabytes). */
const TFPLAN_MAX = 256 * 1024 * 1024;

/**
 * The part of Terraform's plan file format (internal/plans/planproto/planfile.proto, `tfplan`
 * format version 3, Terraform 1.x and OpenTofu alike) this reads: each resource instance change's
 * address, previous address, deposed key, action and whether it imports; and the plan's backend
 * (its type, its config as msgpack, its workspace). Other fields are skipped as protobuf skips unknown ones.
 */
const PLAN = protobuf.Root.fromJSON({
  nested: {
    Plan: {
      fields: {
        version: { type: "uint64", id: 1 },
        resourceChanges: { rule: "repeated", type: "ResourceInstanceChange", id: 3 },
        backend: { type: "Backend", id: 13 },
        terraformVersion: { type: "string", id: 14 },
      },
    },
    Backend: { fields: { type: { type: "string", id: 1 }, config: { type: "DynamicValue", id: 2 }, workspace: { type: "string", id: 3 } } },
    DynamicValue: { fields: { msgpack: { type: "bytes", id: 1 } } },
    ResourceInstanceChange: {
      fields: {
        addr: { type: "string", id: 13 },
        prevRunAddr: { type: "string", id: 14 },
        deposedKey: { type: "string", id: 7 },
        change: { type: "Change", id: 9 },
      },
    },
    Change: { fields: { action: { type: "int32", id: 1 }, importing: { type: "Importing", id: 5 } } },
    // Present or not is all this reads of it (its id is a value, as the JSON's).
    Importing: { fields: {} },
  },
}).lookupType("Plan");

/** planfile.proto's Action, as terraform's JSON plan names each. */
const ACTIONS: Record<number, string[]> = {
  0: ["no-op"],
  1: ["create"],
  2: ["read"],
  3: ["update"],
  5: ["delete"],
  6: ["delete", "create"],
  7: ["create", "delete"],
  8: ["forget"],
  9: ["create", "forget"],
};

const FORMAT_VERSION = 3;

/**
 * The most resource changes read. Each decoded one is an object of ~130 bytes: a tfplan of empty
 * changes (2 bytes each, a few KiB zipped) would fill the heap, a fault no catch survives (the
 * job thread, and the server with it). Show's JSON, held to 64 MiB, lists every change in well
 * over 64 bytes: a plan file with more than this was not what it showed anyway.
 */
const MAX_CHANGES = 1_000_000;

/** How many resource changes a tfplan holds (fields 3 as protobuf reads them), counted without decoding any. */
function countChanges(tfplan: Buffer): number {
  const r = protobuf.Reader.create(tfplan);
  let count = 0;
  while (r.pos < r.len) {
    // As the decoder reads a tag and skips a field.
    const tag = r.tag();
    if (tag === ((3 << 3) | 2)) count++;
    r.skipType(tag & 7, 0, tag >>> 3);
  }
  return count;
}

interface DecodedPlan {
  version?: number | { toNumber(): number };
  backend?: { type?: string; config?: { msgpack?: Uint8Array }; workspace?: string };
  resourceChanges?: { addr?: string; prevRunAddr?: string; deposedKey?: string; change?: { action?: number; importing?: object } }[];
}

/**
 * The resource changes a saved plan file holds: what its apply will do, whatever `terraform show`
 * printed about it (the PR's providers and hooks run while it shows and can write into its output).
 * The file is a sandbox's: read capped, and any fault in it is a reason, never a throw.
 */
export async function readPlanFileContents(planFile: string): Promise<PlanFileRead> {
  let entry: Buffer | undefined;
  try {
    entry = readZipEntry(await readFile(planFile), "tfplan", TFPLAN_MAX);
  } catch (e) {
    // Not a zip at all: not a local plan file (a saved cloud plan is a JSON file).
    if (e instanceof Error && /not a zip archive/.test(e.message)) return undefined;
    return { ok: false, reason: `its archive could not be read (${errorMessage(e)})` };
  }
  if (!entry) return undefined;
  let plan: DecodedPlan;
  try {
    const count = countChanges(entry);
    if (count > MAX_CHANGES)
      return { ok: false, reason: `its tfplan holds ${count} resource changes, more than Sluice reads (${MAX_CHANGES})` };
    plan = PLAN.decode(entry) as unknown as DecodedPlan;
  } catch (e) {
    return { ok: false, reason: `its tfplan could not be decoded (${errorMessage(e)})` };
  }
  const version = typeof plan.version === "object" ? plan.version.toNumber() : (plan.version ?? 0);
  if (version !== FORMAT_VERSION) return { ok: false, reason: `its tfplan is format version ${version}, not ${FORMAT_VERSION}` };
  const changes = (plan.resourceChanges ?? []).map((rc) => {
    const action = rc.change?.action ?? 0;
    const address = rc.addr ?? "";
    return {
      address,
      deposed: rc.deposedKey ?? "",
      previous: rc.prevRunAddr && rc.prevRunAddr !== address ? rc.prevRunAddr : "",
      importing: rc.change?.importing != null,
      actions: ACTIONS[action] ?? [`action ${action}`],
    };
  });
  const backend = planBackend(plan.backend);
  if ("reason" in backend) return { ok: false, reason: backend.reason };
  return { ok: true, changes, backend };
}

/** A backend's config is a few attributes: one larger was not written by terraform init. */
const BACKEND_CONFIG_MAX = 1024 * 1024;

/** Read as Go reads a string: bytes kept, so bytes that are not UTF-8 are refused, never mapped to other characters. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** No backend's settings nest this deep. */
const CONFIG_DEPTH = 32;

/**
 * The decoded config with its strings (read raw) as text, or a throw for one that is not UTF-8:
 * @msgpack/msgpack's own decoder maps bytes that are not (an overlong `/`, `\xff`) to characters
 * they are not, where terraform (Go) keeps them: a plan's `path` with them named another file than
 * the one compared with the backend file.
 */
function strictStrings(v: unknown, depth: number): unknown {
  if (depth > CONFIG_DEPTH) throw new Error("it nests deeper than any backend's settings");
  if (v instanceof Uint8Array) return UTF8.decode(v);
  if (Array.isArray(v)) return v.map((x) => strictStrings(x, depth + 1));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = strictStrings(x, depth + 1);
    return out;
  }
  return v;
}

function planBackend(b: DecodedPlan["backend"]): PlanFileBackend | { reason: string } {
  // Terraform writes no local plan without its backend.
  if (!b?.type) return { reason: "its tfplan names no backend" };
  const bytes = b.config?.msgpack ?? new Uint8Array();
  if (bytes.length > BACKEND_CONFIG_MAX) return { reason: `its backend's config is larger than ${BACKEND_CONFIG_MAX / 1024} KiB` };
  let config: unknown;
  try {
    config = bytes.length === 0 ? {} : strictStrings(decodeMsgpack(bytes, { rawStrings: true }), 0);
  } catch (e) {
    return { reason: `its backend's config could not be decoded (${errorMessage(e)})` };
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) return { reason: "its backend's config is not an object" };
  return { type: b.type, config: config as Record<string, unknown>, workspace: b.workspace || "default" };
}
