import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";

const ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

/**
 * A bare repo at `dir` whose one commit holds `files`, written with `git fast-import` (200,000
 * files in seconds, nothing on disk but the pack): what a Sluice mirror holds. Returns the commit.
 */
export async function writeBareRepo(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  await git(dir, ["init", "--quiet", "--bare"]);
  const parts: Buffer[] = [Buffer.from("commit refs/heads/main\ncommitter bench <bench@localhost> 0 +0000\ndata 5\nbench\n")];
  for (const [path, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), data, Buffer.from("\n"));
  }
  parts.push(Buffer.from("\n"));
  await git(dir, ["fast-import", "--quiet"], Buffer.concat(parts));
  return (await git(dir, ["rev-parse", "refs/heads/main"])).trim();
}

function git(cwd: string, args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env: ENV, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`git ${args[0]} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}
