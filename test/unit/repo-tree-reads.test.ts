import { expect, it } from "vitest";
import { readRepoTree } from "../../src/repo-reading/read-repo-tree.js";

// Which files the tree read asks git for: Terraform files (not the copies `terraform init` keeps in
// a `.terraform` dir), kustomizations by their three names, and charts, judged on each path of a
// repo of any size by suffix tests.

async function selected(files: string[]): Promise<string[]> {
  let asked: string[] = [];
  await readRepoTree(async (select) => {
    asked = files.filter(select);
    return new Map();
  }, files);
  return asked;
}

it("reads Terraform files, kustomizations and charts, and nothing else", async () => {
  const files = [
    "main.tf",
    "net/main.tf",
    "net/vars.tf.json",
    "net/.terraform/modules/vpc/main.tf",
    ".terraform/providers/x.tf",
    "net/x.terraform/main.tf",
    "net/.terraformrc.tf",
    "net/main.tf.bak",
    "net/main.tfvars",
    "apps/kustomization.yaml",
    "apps/web/kustomization.yml",
    "apps/api/Kustomization",
    "apps/old/kustomization.yaml.orig",
    "apps/other/mykustomization.yaml",
    "apps/other/Kustomization.yaml",
    "kustomization",
    "charts/web/Chart.yaml",
    "Chart.yaml",
    "charts/web/MyChart.yaml",
    "README.md",
  ];
  expect(await selected(files)).toEqual([
    "main.tf",
    "net/main.tf",
    "net/vars.tf.json",
    "net/x.terraform/main.tf",
    "net/.terraformrc.tf",
    "apps/kustomization.yaml",
    "apps/web/kustomization.yml",
    "apps/api/Kustomization",
    "charts/web/Chart.yaml",
    "Chart.yaml",
  ]);
});
