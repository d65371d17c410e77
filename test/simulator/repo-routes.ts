import type { components } from "@octokit/openapi-types";
import type { TreeEntry } from "./git-store.js";
import { fullRepositoryJson } from "./repository-json.js";
import { userJson } from "./user-json.js";
import { DOCS, RestError, notFound, ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { Role, SimRepo } from "./sim-types.js";

type S = components["schemas"];

// GitHub reports the legacy permission plus the finer role: triage reads, maintain writes.
const PERMISSION: Record<Role, string> = { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read", none: "none" };

export function registerRepoRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state, git } = core;

  router.add("GET", "/repos/{owner}/{repo}", "token", (req) => ok(fullRepositoryJson(ctx, core.repoOr404(req.params))));

  router.add("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const user = state.user(req.params.username ?? "");
    if (!user) throw notFound();
    const role = state.role(repo, user.login);
    const flags = {
      admin: role === "admin",
      maintain: role === "admin" || role === "maintain",
      push: ["admin", "maintain", "write"].includes(role),
      triage: ["admin", "maintain", "write", "triage"].includes(role),
      pull: role !== "none",
    };
    const body: S["repository-collaborator-permission"] = {
      permission: PERMISSION[role],
      role_name: role,
      user: { ...userJson(ctx, user), permissions: flags, role_name: role },
    };
    return ok(body);
  });

  const contents = async (repo: SimRepo, filePath: string, refParam: string | null, accept: string) => {
    const ref = refParam || repo.defaultBranch;
    const commit = await git.resolve(repo.dir, ref);
    if (!commit) throw new RestError(404, { message: `No commit found for the ref ${ref}`, documentation_url: DOCS, status: "404" });
    const found = await git.readPath(repo.dir, commit, filePath);
    if (!found) throw notFound();
    if (found.type === "file" && accept.includes("raw"))
      return { status: 200, raw: found.content, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
    if (found.type === "file") {
      const body: S["content-file"] = {
        ...links(repo, found.path, found.sha, ref, "file"),
        type: "file",
        encoding: "base64",
        size: found.size,
        name: found.path.slice(found.path.lastIndexOf("/") + 1),
        path: found.path,
        // GitHub wraps base64 at 60 columns; decoders must cope, so the simulator does it too.
        content: `${(found.content.toString("base64").match(/.{1,60}/g) ?? []).join("\n")}\n`,
        sha: found.sha,
      };
      return ok(body);
    }
    return ok(
      found.entries.map((e) => ({
        ...links(repo, e.path, e.sha, ref, e.type),
        type: e.type,
        size: e.size,
        name: e.name,
        path: e.path,
        sha: e.sha,
      })),
    );
  };

  const links = (repo: SimRepo, p: string, sha: string, ref: string, type: TreeEntry["type"]) => {
    const self = `${ctx.api}/repos/${repo.fullName}/contents/${p}?ref=${encodeURIComponent(ref)}`;
    const gitUrl = `${ctx.api}/repos/${repo.fullName}/git/${type === "dir" ? "trees" : "blobs"}/${sha}`;
    const html = `${repo.htmlUrl}/${type === "dir" ? "tree" : "blob"}/${ref}/${p}`;
    return {
      url: self,
      git_url: gitUrl,
      html_url: html,
      download_url: type === "file" ? `${ctx.web}/raw/${repo.fullName}/${ref}/${p}` : null,
      _links: { self, git: gitUrl, html },
    };
  };

  router.add("GET", "/repos/{owner}/{repo}/contents", "token", (req) =>
    contents(core.repoOr404(req.params), "", req.query.get("ref"), String(req.headers.accept ?? "")),
  );
  router.add("GET", "/repos/{owner}/{repo}/contents/{+path}", "token", (req) =>
    contents(core.repoOr404(req.params), req.params.path ?? "", req.query.get("ref"), String(req.headers.accept ?? "")),
  );
}
