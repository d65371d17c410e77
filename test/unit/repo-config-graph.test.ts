import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDependsOnCycle, orderProjects } from "../../src/config/repo/check-project-graph.js";
import type { ProjectConfig } from "../../src/model/repo-config.js";

function p(name: string, dependsOn: string[] = [], executionOrderGroup = 0): ProjectConfig {
  return {
    name,
    dir: name,
    workspace: "default",
    runner: "terraform",
    autoplan: { enabled: true, whenModified: [] },
    dependsOn,
    executionOrderGroup,
  };
}

const names = (result: ReturnType<typeof orderProjects>) => {
  if (!result.ok) throw new Error(result.error);
  return result.waves.map((wave) => wave.map((project) => project.name));
};

describe("orderProjects", () => {
  it.each<[string, ProjectConfig[], string[][]]>([
    ["nothing", [], []],
    ["independent projects: one wave, input order", [p("b"), p("a"), p("c")], [["b", "a", "c"]]],
    [
      "execution_order_group alone (the Atlantis docs' example)",
      [p("frontend", [], 2), p("backend", [], 1), p("cdn", [], 2)],
      [["backend"], ["frontend", "cdn"]],
    ],
    ["a chain written backwards", [p("c", ["b"]), p("b", ["a"]), p("a")], [["a"], ["b"], ["c"]]],
    ["a diamond", [p("d", ["b", "c"]), p("b", ["a"]), p("c", ["a"]), p("a")], [["a"], ["b", "c"], ["d"]]],
    [
      "depends_on and groups together (dev -> stage -> prod)",
      [p("prod", ["stage"], 3), p("stage", ["dev"], 2), p("dev", [], 1)],
      [["dev"], ["stage"], ["prod"]],
    ],
    [
      "dependencies inside a group, then the next group",
      [p("x"), p("y", ["x"]), p("z", ["x"], 1), p("w", [], 1)],
      [["x"], ["y"], ["z", "w"]],
    ],
    ["negative groups first", [p("late"), p("early", [], -1)], [["early"], ["late"]]],
  ])("%s", (_, projects, waves) => {
    expect(names(orderProjects(projects))).toEqual(waves);
  });

  it.each<[string, ProjectConfig[], string]>([
    ["a two-project cycle", [p("a", ["b"]), p("b", ["a"])], "depends_on cycle: a -> b -> a"],
    ["a self-dependency", [p("a", ["a"])], "depends_on cycle: a -> a"],
    ["a longer cycle behind a tail", [p("tail", ["a"]), p("a", ["b"]), p("b", ["c"]), p("c", ["a"])], "depends_on cycle: a -> b -> c -> a"],
    ["an unknown name", [p("a", ["ghost"])], "project a depends on unknown project ghost"],
    ["a duplicate name", [p("a"), { ...p("a"), dir: "other" }], "duplicate project name a"],
    [
      "a dependency in a later group",
      [p("app", ["net"], 1), p("net", [], 2)],
      "project app (execution_order_group 1) depends on net, which is in the later execution_order_group 2",
    ],
  ])("refuses %s", (_, projects, error) => {
    expect(orderProjects(projects)).toEqual({ ok: false, error });
  });

  it("orders a subset through projects left out of it", () => {
    const a = p("a");
    const b = p("b", ["a"]);
    const c = p("c", ["b"]);
    const all = [a, b, c];
    expect(names(orderProjects([c, a], { allProjects: all }))).toEqual([["a"], ["c"]]);
    expect(names(orderProjects([c], { allProjects: all }))).toEqual([["c"]]);
    // Names are still checked against the whole repo.
    expect(orderProjects([p("d", ["zzz"])], { allProjects: all })).toEqual({
      ok: false,
      error: "project d depends on unknown project zzz",
    });
  });

  it("handles a long chain without recursion", () => {
    const chain = Array.from({ length: 3000 }, (_, i) => p(`p${i}`, i === 0 ? [] : [`p${i - 1}`]));
    const result = orderProjects([...chain].reverse());
    expect(result.ok && result.waves.length).toBe(3000);
    expect(findDependsOnCycle([...chain, p("p0x", ["p2999"]), { ...p("loop", ["loop"]) }])).toEqual(["loop", "loop"]);
  });

  it("puts every project after its dependencies and lower groups (random DAGs)", () => {
    const dag = fc
      .integer({ min: 1, max: 25 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
          fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: n, maxLength: n }),
          fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
        ),
      );
    fc.assert(
      fc.property(dag, ([groups, deps, order]) => {
        // Edges only to lower indexes with a group no higher: a valid graph by construction.
        const projects = groups.map((g, i) =>
          p(
            `n${i}`,
            [...new Set((deps[i] ?? []).filter((d) => d < i && (groups[d] ?? 0) <= g))].map((d) => `n${d}`),
            g,
          ),
        );
        const shuffled = order.map((i) => projects[i] as ProjectConfig);
        const result = orderProjects(shuffled);
        if (!result.ok) throw new Error(result.error);
        const waveOf = new Map<string, number>();
        result.waves.forEach((wave, w) => {
          for (const project of wave) waveOf.set(project.name, w);
        });
        expect(waveOf.size).toBe(projects.length);
        for (const project of projects) {
          const w = waveOf.get(project.name) ?? -1;
          for (const dep of project.dependsOn) expect(waveOf.get(dep) ?? Infinity).toBeLessThan(w);
          for (const other of projects) {
            if (other.executionOrderGroup < project.executionOrderGroup) {
              expect(waveOf.get(other.name) ?? Infinity).toBeLessThan(w);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
