import { describe, expect, it } from "vitest";
import { renderPage } from "../../src/console/console-templates.js";

describe("console: unsupported server config keys", () => {
  it("every page of a signed-in user names them, escaped", () => {
    const line = "/etc/repos.yaml: `repos.0.branch` (line 3) is not supported by Sluice: <the entry> applies to every base branch";
    const html = renderPage("message", { title: "t", user: "ann", unsupported: [line] }, { heading: "h", text: "x" });
    expect(html).toContain("Server config keys Sluice does not support (ignored):");
    expect(html).toContain("&#x60;repos.0.branch&#x60; (line 3) is not supported by Sluice: &lt;the entry&gt;");
    expect(renderPage("message", { title: "t", user: "ann" }, { heading: "h", text: "x" })).not.toContain("does not support");
  });
});
