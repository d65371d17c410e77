// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform text
import { describe, expect, it } from "vitest";
import type { Project } from "../../src/model/project.js";
import { readRepoTree } from "../../src/repo-reading/read-repo-tree.js";
import { sparseCheckoutDirs } from "../../src/projects/sparse-checkout-dirs.js";
import { conePaths } from "../../src/workspace/cone-paths.js";

const tf = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terraform" });

/** What a sparse worktree of project p holds of m/sub/main.tf (each case verified with terraform 1.11: init + plan read ./sub). */
async function subWritten(mFile: string, mText: string) {
  const files: Record<string, string> = {
    "p/main.tf": 'module "m" {\n  source = "../m"\n}\n',
    [mFile]: mText,
    "m/sub/main.tf": 'output "o" { value = "sub" }\n',
    "m/files/x.yaml": "a: 1\n",
  };
  const texts = new Map(Object.entries(files));
  const tree = await readRepoTree(async (sel) => new Map([...texts].filter(([f]) => sel(f))), Object.keys(files));
  const scope = sparseCheckoutDirs(tree, [tf("p")]);
  if (!scope.sparse) return true;
  return conePaths(Object.keys(files), scope.dirs, scope.shallow);
}

describe("a module dir Terraform reaches below (a ./sub module, a path.module read) is written whole", () => {
  it.each([
    ["comment holding a quote between source and =", "m/main.tf", 'module "s" {\n  source /* "x" */ = "./sub"\n}\n'],
    [
      "JSON with two `module` keys (HCL JSON keeps both, JSON.parse the last)",
      "m/main.tf.json",
      '{"module": {"s": {"source": "./sub"}}, "module": {"t": {"source": "registry.example/x/y"}}}',
    ],
    [
      "heredoc with a Unicode marker before the module block",
      "m/main.tf",
      'locals {\n  a = <<ÉOT\n{\nÉOT\n}\nmodule "s" {\n  source = "./sub"\n}\n',
    ],
    [
      "a newline inside ${} before the module block",
      "m/main.tf",
      'locals {\n  a = "${\n  1}" == "{{"\n}\nmodule "s" {\n  source = "./sub"\n}\n',
    ],
  ])("%s", async (_, f, text) => {
    const w = await subWritten(f, text);
    expect(w === true || w.includes("m/sub/main.tf")).toBe(true);
  });

  it("path /* c */ .module (valid HCL, = path.module) reaching m/files", async () => {
    const w = await subWritten("m/main.tf", 'data "local_file" "x" {\n  filename = "${path /* c */ .module}/files/x.yaml"\n}\n');
    expect(w === true || w.includes("m/files/x.yaml")).toBe(true);
  });
});

it("control: a module whose code reaches nothing below it gets no subdir", async () => {
  const w = await subWritten("m/main.tf", 'variable "n" {}\noutput "o" {\n  value = var.n\n}\n');
  expect(w).not.toBe(true);
  expect(w).toEqual(expect.arrayContaining(["m/main.tf", "p/main.tf"]));
  expect((w as string[]).filter((f) => f.startsWith("m/sub/") || f.startsWith("m/files/"))).toEqual([]);
});
