import { JSONParser } from "@streamparser/json";
import { jsonDepthWatch, STATE_DEPTH_MAX } from "./json-depth.js";

/** What the backend holds, as `terraform state pull` gives it: enough to tell that an apply landed. */
export interface StateSnapshot {
  serial: number;
  lineage: string;
  /** Resource instance addresses (`module.x.type.name[key]`) of managed resources. */
  addresses: Set<string>;
}

interface RawResource {
  mode?: string;
  module?: string;
  type?: string;
  name?: string;
  instances?: { index_key?: string | number }[];
}

const key = (k: string | number | undefined) => (k === undefined ? "" : typeof k === "number" ? `[${k}]` : `[${JSON.stringify(k)}]`);

const isObject = (v: unknown): v is object => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The instance addresses of one resource of a state: its managed ones only. False when its
 * instances are no list of objects (no state terraform writes): the state is none then, the same
 * read whole or as it streams, never a TypeError (errored.tfstate is a file the run wrote).
 */
function addAddresses(r: RawResource, into: Set<string>): boolean {
  if (r.mode !== "managed" || !r.type || !r.name) return true;
  const instances: unknown = r.instances ?? [];
  if (!Array.isArray(instances) || !instances.every(isObject)) return false;
  const base = `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}`;
  for (const i of instances as { index_key?: string | number }[]) into.add(`${base}${key(i.index_key)}`);
  return true;
}

/** Up to this much a state is read whole (JSON.parse is several times faster); past it, as it streams. */
export const WHOLE_MAX = 8 * 1024 ** 2;
const NOT_JSON = "the backend's answer is not a Terraform state (not JSON)";
const NO_SERIAL = "the backend's answer has no serial and lineage";
const TOO_DEEP = `the backend's answer is not a Terraform state (it nests deeper than ${STATE_DEPTH_MAX} levels)`;
const BAD_INSTANCES = "the backend's answer is not a Terraform state (a resource's instances are no list of objects)";

const snapshot = (serial: unknown, lineage: unknown, addresses: Set<string>): StateSnapshot | { error: string } =>
  typeof serial === "number" && typeof lineage === "string" ? { serial, lineage, addresses } : { error: NO_SERIAL };

/** A state read whole. */
function parseWhole(text: string): StateSnapshot | { error: string } {
  let raw: { serial?: unknown; lineage?: unknown; resources?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return { error: NOT_JSON };
  }
  if (typeof raw !== "object" || raw === null) return { error: NO_SERIAL };
  const addresses = new Set<string>();
  for (const r of Array.isArray(raw.resources) ? (raw.resources as unknown[]) : [])
    if (isObject(r) && !addAddresses(r as RawResource, addresses)) return { error: BAD_INSTANCES };
  return snapshot(raw.serial, raw.lineage, addresses);
}

/**
 * Reads a state as `terraform state pull` prints it, of any size: its serial, lineage and managed
 * resources' instance addresses. A state past WHOLE_MAX is parsed as it streams, one resource held
 * at a time, never whole. Empty output is no state yet (serial 0); text that is not a state (a
 * wrapped tool's output, garbage) is said as such.
 */
export function stateScanner() {
  let head = "";
  let parser: JSONParser | undefined;
  let serial: unknown;
  let lineage: unknown;
  // Those of the `resources` being read, and of the last one read whole: a key given twice holds
  // its last value (as JSON.parse and Terraform read it), and one that is no list holds none.
  let reading = new Set<string>();
  let addresses = new Set<string>();
  let broken = false;
  // Checked before any parser reads the text, read whole or as it streams alike.
  const depth = jsonDepthWatch(STATE_DEPTH_MAX);
  let tooDeep = false;
  // A resource read in the `resources` that hold (the last given) whose instances are no list of objects.
  let badReading = false;
  let bad = false;
  const stream = () => {
    const p = new JSONParser({ paths: ["$.serial", "$.lineage", "$.resources", "$.resources.*"], keepStack: false });
    p.onValue = ({ value, key: name, stack, parent }) => {
      if (stack.length === 1 && name === "serial") serial = value;
      else if (stack.length === 1 && name === "lineage") lineage = value;
      else if (stack.length === 1 && name === "resources") {
        addresses = Array.isArray(value) ? reading : new Set();
        bad = Array.isArray(value) && badReading;
        reading = new Set();
        badReading = false;
      } else if (stack.length === 2) {
        if (Array.isArray(parent) && isObject(value) && !addAddresses(value as RawResource, reading)) badReading = true;
        // Read, the resource goes: emitting `$.resources` keeps its members in it (keepStack:false
        // drops a value only when no value around it is emitted), which would hold the state whole.
        if (Array.isArray(parent)) parent.length -= 1;
        else if (parent && typeof parent === "object" && name !== undefined) delete (parent as Record<string, unknown>)[String(name)];
      }
    };
    p.onError = () => {
      broken = true;
    };
    return p;
  };
  return {
    write(chunk: string): void {
      if (broken || tooDeep) return;
      if (!depth.write(chunk)) {
        tooDeep = true;
        head = "";
        return;
      }
      if (parser) {
        parser.write(chunk);
        return;
      }
      head += chunk;
      if (head.length <= WHOLE_MAX) return;
      parser = stream();
      // JSON.parse takes no byte order mark (nor does Terraform): the streaming parser would skip it.
      if (/^[ \t\n\r]*\uFEFF/.test(head)) broken = true;
      else parser.write(head);
      head = "";
    },
    end(): StateSnapshot | { error: string } {
      if (tooDeep) return { error: TOO_DEEP };
      if (!parser) return head.trim() === "" ? { serial: 0, lineage: "", addresses: new Set() } : parseWhole(head);
      if (!broken && !parser.isEnded) parser.end();
      if (broken) return { error: NOT_JSON };
      return bad ? { error: BAD_INSTANCES } : snapshot(serial, lineage, addresses);
    },
  };
}
/** The same over a whole text (a kept or pushed state, a plan's prior state). */
export function parseStatePull(text: string): StateSnapshot | { error: string } {
  const scanner = stateScanner();
  scanner.write(text);
  return scanner.end();
}
