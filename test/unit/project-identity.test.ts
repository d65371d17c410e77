import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Project, projectId } from "../../src/model/project.js";
import { countApprovals } from "../../src/policy/count-approvals.js";
import { selectProjects } from "../../src/projects/select-projects.js";

const dirs = fc.constantFrom(".", "app", "net", "envs/prod", "envs/staging");
const workspaces = fc.constantFrom("default", "staging", "new_workspace", "blue");
const tf = (dir: string, workspace = "default", name = dir): Project => ({ name, dir, workspace, runner: "terraform" });

describe("project identity", () => {
  it("whatever dirs, workspaces and filters a PR mixes, every selected project has its own identity and its own name", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(dirs, { minLength: 1 }),
        fc.array(fc.record({ dir: fc.option(dirs, { nil: undefined }), workspace: fc.option(workspaces, { nil: undefined }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (projectDirs, filters) => {
          const all = projectDirs.map((d) => tf(d));
          // Several comments of one PR (`/plan`, `/plan -w new_workspace`, …): their plans live side by side.
          const planned = new Map<string, Project>();
          for (const filter of filters) {
            const s = selectProjects(all, all, filter);
            if ("error" in s) continue;
            for (const p of s.projects) planned.set(projectId(p), p);
          }
          const byName = new Map<string, Project>();
          for (const p of planned.values()) {
            const other = byName.get(p.name);
            // One name, one project: a result, plan or lock found by name is never another workspace's.
            if (other) expect(projectId(other)).toBe(projectId(p));
            byName.set(p.name, p);
          }
          const ids = [...planned.values()].map((p) => `${p.dir}|${p.workspace}`);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });
});

describe("approvals and the plan they cover", () => {
  const facts = { author: "alice", headSha: "h", permissions: new Map([["bob", "write" as const]]) };
  const review = (submittedAt: string) => ({ user: "bob", state: "APPROVED" as const, commitId: "h", submittedAt });

  it("an approval given before the plan does not count for it; one in the plan's own second does", () => {
    expect(countApprovals([review("2026-01-01T10:00:00Z")], facts, "2026-01-01T10:00:05.200Z").ignored).toEqual([
      { user: "bob", why: "approved before this plan was made" },
    ]);
    expect(countApprovals([review("2026-01-01T10:00:05Z")], facts, "2026-01-01T10:00:05.900Z").approvers).toEqual(["bob"]);
    expect(countApprovals([review("2026-01-01T10:00:09Z")], facts, "2026-01-01T10:00:05.900Z").approvers).toEqual(["bob"]);
  });
});
