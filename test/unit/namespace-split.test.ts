import { describe, expect, it } from "vitest";
import { splitByNamespace } from "../../runners/kustomize/namespace-split.js";

describe("splitByNamespace", () => {
  it("objects naming the plan's namespace go with those naming none", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: prod }\n";
    expect(splitByNamespace(text, "prod")).toEqual({ ok: true, unnamed: `---\n${text}`, named: "" });
  });

  it("keeps each document as written, in order, in its group; comments and empty documents go nowhere else", () => {
    const text = [
      "# sluice:delete {}",
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: { name: monitoring }",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: { name: a, namespace: monitoring }",
      "data: { on: yes }",
      "---",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: { name: b }",
      "",
    ].join("\n");
    expect(splitByNamespace(text, "default")).toEqual({
      ok: true,
      unnamed:
        "---\n# sluice:delete {}\napiVersion: v1\nkind: Namespace\nmetadata: { name: monitoring }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n",
      named: "---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: monitoring }\ndata: { on: yes }\n",
    });
  });

  it("a List is one document: its items must agree", () => {
    const item = (ns?: string) =>
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", ...(ns ? { namespace: ns } : {}) } });
    const list = (...items: string[]) => `apiVersion: v1\nkind: List\nitems:\n${items.map((i) => `  - ${i}\n`).join("")}`;
    expect(splitByNamespace(list(item("a"), item("b")), "default")).toMatchObject({ ok: true, unnamed: "" });
    expect(splitByNamespace(list(item(), item("default")), "default")).toMatchObject({ ok: true, named: "" });
    expect(splitByNamespace(list(item("a"), item()), "default")).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        "a List in the render holds objects in namespace `default` (or naming none) and objects naming another",
      ),
    });
  });
});
