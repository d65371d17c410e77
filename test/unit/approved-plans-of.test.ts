import { describe, expect, it } from "vitest";
import { approvedPlansOf } from "../../src/policy/approved-plans-of.js";

const at = (name: string, dir = "web", workspace = "default") => ({ name, dir, workspace });
const plan = (project: string, dir = "web", workspace = "default") => ({ project, dir, workspace, pr: 1 });

describe("approvedPlansOf", () => {
  it("compares a project of its own dir and workspace with every approved plan there, whatever its name", () => {
    const group = [at("web"), at("net", "net")];
    expect(approvedPlansOf(at("web"), [plan("web"), plan("old-name"), plan("net", "net")], group)).toEqual([plan("web"), plan("old-name")]);
  });

  it("compares named projects sharing a dir and workspace each with its own approved plan", () => {
    const group = [at("staging"), at("production")];
    const approved = [plan("staging"), plan("production")];
    expect(approvedPlansOf(at("staging"), approved, group)).toEqual([plan("staging")]);
    expect(approvedPlansOf(at("production"), approved, group)).toEqual([plan("production")]);
  });

  it("compares an approved plan whose name the group has not there with each project there", () => {
    const group = [at("staging"), at("production")];
    expect(approvedPlansOf(at("staging"), [plan("prod")], group)).toEqual([plan("prod")]);
    expect(approvedPlansOf(at("production"), [plan("prod")], group)).toEqual([plan("prod")]);
  });

  it("never compares another dir's or workspace's plan", () => {
    expect(approvedPlansOf(at("web"), [plan("web", "web", "staging"), plan("web", "other")], [at("web")])).toEqual([]);
  });
});
