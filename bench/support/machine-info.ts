import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  terraform: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let terraform = "not found";
  try {
    const out = execFileSync("terraform", ["version"], {
      env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
      encoding: "utf8",
    });
    terraform = out.split("\n")[0]?.replace(/^Terraform /, "") ?? terraform;
  } catch {
    // reported as not found
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    terraform,
    kernel: `Linux ${release()}`,
  };
}

/** The 1-minute load average: other work on the machine skews every wall-clock figure. */
export const load1 = () => Number(loadavg()[0]?.toFixed(2));
