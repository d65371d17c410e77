import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeNewFile } from "../../src/util/write-new-file.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("writeNewFile: a file of Sluice's own in a dir a run may write", () => {
  it("never writes through a link a run left at the path: the link goes, a new file stands", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-write-new-"));
    dirs.push(dir);
    const outside = join(dir, "outside.txt");
    await writeFile(outside, "theirs\n");
    const path = join(dir, "kustomization.yaml");
    await symlink(outside, path);
    await writeNewFile(path, "ours\n");
    expect(await readFile(outside, "utf8")).toBe("theirs\n");
    const st = await lstat(path);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await readFile(path, "utf8")).toBe("ours\n");
    // A dir left at the path is replaced too.
    const sub = join(dir, "deletions.yaml");
    await mkdir(join(sub, "inner"), { recursive: true });
    await writeNewFile(sub, "b\n");
    expect(await readFile(sub, "utf8")).toBe("b\n");
  });
});
