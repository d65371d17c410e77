import type { PlanSummary } from "../../src/model/plan-summary.js";

export const SECRET = "s3cr3t-Db-Passw0rd-4-bench";
export const TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;

/** Terraform-style plan text of about `bytes` characters: resource blocks, a secret and a token now and then. */
export function realisticPlan(bytes: number): { text: string; addresses: string[] } {
  const parts: string[] = ["Terraform used the selected providers to generate the following execution plan.\n\n"];
  const addresses: string[] = [];
  let size = parts[0]?.length ?? 0;
  for (let i = 0; size < bytes; i++) {
    const address = `aws_instance.web[${i}]`;
    addresses.push(address);
    const extra = i % 500 === 0 ? `      + user_data                    = "password=${SECRET} token=${TOKEN}"\n` : "";
    const block =
      `  # ${address} will be created\n` +
      `  + resource "aws_instance" "web" {\n` +
      `      + ami                          = "ami-0c55b159cbfafe1f0"\n` +
      `      + arn                          = (known after apply)\n` +
      `      + instance_type                = "t3.micro"\n` +
      `      + tags                         = {\n          + "Name" = "web-${i}"\n        }\n${extra}` +
      `      + vpc_security_group_ids       = (known after apply)\n    }\n\n`;
    parts.push(block);
    size += block.length;
  }
  parts.push(`Plan: ${addresses.length} to add, 0 to change, 0 to destroy.\n`);
  return { text: parts.join(""), addresses };
}

/** Minified JSON on one line (an external tool's dump): no newline at all, a secret every ~100 KB. */
export function singleLine(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const extra = i % 500 === 0 ? `,"password":"${SECRET}"` : "";
    const item = `{"address":"aws_instance.web[${i}]","type":"aws_instance","values":{"ami":"ami-0c55b159cbfafe1f0","instance_type":"t3.micro","tags":{"Name":"web-${i}"}${extra}}},`;
    parts.push(item);
    size += item.length;
  }
  return `[${parts.join("").slice(0, bytes - 2)}]`;
}

/** Fences, backtick runs, terminal escapes, \r progress lines, bidi and zero-width characters, dense secrets. */
export function hostile(bytes: number): string {
  const unit =
    "```hcl\n~~~ `code` ```` \x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 progress 10%\rprogress 20%\r\n" +
    `\u202eevil\u202c \u200bzero\u200b <details></summary> ${SECRET} @everyone #1\n`;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/**
 * Plan text with one resource whose input is a `run`-character string of letters, as any PR author
 * can write (`input = join("", [for i in range(N) : "a"])`): one long word in the output.
 */
export function longWord(bytes: number, run: number): { text: string; addresses: string[] } {
  const plan = realisticPlan(bytes - run);
  const block = `  # terraform_data.blob will be created\n  + resource "terraform_data" "blob" {\n      + input  = "${"a".repeat(run)}"\n    }\n\n`;
  return { text: block + plan.text, addresses: ["terraform_data.blob", ...plan.addresses] };
}

export function summaryOf(addresses: string[]): PlanSummary {
  return {
    add: addresses.length,
    change: 0,
    destroy: 0,
    replace: 0,
    move: 0,
    import: 0,
    forget: 0,
    resources: addresses.map((address) => ({ address, action: "create" as const })),
    moves: [],
    outputs: [],
    hasChanges: addresses.length > 0,
    sensitiveValues: [SECRET],
  };
}
