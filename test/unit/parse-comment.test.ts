import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseComment, USAGE } from "../../src/command/parse-comment.js";
import { PROJECT_NAME, WORKSPACE_NAME } from "../../src/command/validate-filter-value.js";
import type { Command, ParseResult, ProjectFilter } from "../../src/model/command.js";

const plan = (filter: ProjectFilter = {}, extraArgs: string[] = []): ParseResult => ({
  type: "command",
  command: { kind: "plan", filter, extraArgs },
});
const cmd = (command: Command): ParseResult => ({ type: "command", command });
const invalid = (reason: string): ParseResult => ({ type: "invalid", reason });
const none: ParseResult = { type: "none" };

describe("parseComment: commands", () => {
  it.each<[string, ParseResult]>([
    ["/plan", plan()],
    ["/apply", cmd({ kind: "apply", filter: {} })],
    ["/unlock", cmd({ kind: "unlock", filter: {} })],
    ["/help", cmd({ kind: "help" })],
    ["sluice plan", plan()],
    ["sluice apply -p net", cmd({ kind: "apply", filter: { project: "net" } })],
    ["sluice unlock -d envs/prod", cmd({ kind: "unlock", filter: { dir: "envs/prod" } })],
    ["sluice help", cmd({ kind: "help" })],
    ["sluice plan -p net", plan({ project: "net" })],
    // every flag form
    ["/plan -p net", plan({ project: "net" })],
    ["/plan --project net", plan({ project: "net" })],
    ["/plan -p=net", plan({ project: "net" })],
    ["/plan --project=net", plan({ project: "net" })],
    ["/plan -d envs/prod", plan({ dir: "envs/prod" })],
    ["/plan --dir envs/prod", plan({ dir: "envs/prod" })],
    ["/plan -d=envs/prod", plan({ dir: "envs/prod" })],
    ["/plan --dir=envs/prod", plan({ dir: "envs/prod" })],
    ["/plan -w staging", plan({ workspace: "staging" })],
    ["/plan --workspace staging", plan({ workspace: "staging" })],
    ["/plan -w=staging", plan({ workspace: "staging" })],
    ["/plan --workspace=staging", plan({ workspace: "staging" })],
    ["/plan -p net -d envs/prod -w staging", plan({ project: "net", dir: "envs/prod", workspace: "staging" })],
    ["/apply -w staging -d envs/prod", cmd({ kind: "apply", filter: { dir: "envs/prod", workspace: "staging" } })],
    ["/plan -p modules/vpc.v2_x-y", plan({ project: "modules/vpc.v2_x-y" })],
    ["/plan -p 'net'", plan({ project: "net" })],
    ['/plan -p "net"', plan({ project: "net" })],
    ['/plan -p="net"', plan({ project: "net" })],
    // dir normalization
    ["/plan -d ./a//b/", plan({ dir: "a/b" })],
    ["/plan -d .", plan({ dir: "." })],
    ["/plan -d ./", plan({ dir: "." })],
    ["/plan -d a/./b", plan({ dir: "a/b" })],
    ["/plan -d 'my dir/x'", plan({ dir: "my dir/x" })],
    // extra args
    ["/plan --", plan({}, [])],
    ["/plan -- -var foo=bar", plan({}, ["-var=foo=bar"])],
    ["/plan -p net -- -var 'tags=a b' -target=module.vpc", plan({ project: "net" }, ["-var=tags=a b", "-target=module.vpc"])],
    ["/plan -- -target 'aws_instance.web[\"a\"]'", plan({}, ['-target=aws_instance.web["a"]'])],
    ["/plan -- -destroy -refresh=false -parallelism 4", plan({}, ["-destroy", "-refresh=false", "-parallelism=4"])],
    // /help always helps
    ["/help me please", cmd({ kind: "help" })],
    ["/help -p x 'unterminated", cmd({ kind: "help" })],
    ["sluice help foo", cmd({ kind: "help" })],
  ])("%j", (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe("parseComment: spacing and lines", () => {
  it.each<[string, ParseResult]>([
    ["   /plan -p net", plan({ project: "net" })],
    ["/plan -p net   ", plan({ project: "net" })],
    ["/plan     -p      net", plan({ project: "net" })],
    ["/plan\t-p\tnet", plan({ project: "net" })],
    // a leading tab is an indented code block on GitHub (see below)
    ["\t/plan -p net\t", none],
    ["/plan\u00A0-p\u00A0net", plan({ project: "net" })],
    ["/plan\u3000-p\u2003net", plan({ project: "net" })],
    ["\u00A0/plan", plan()],
    ["sluice\u00A0plan\t-p net", plan({ project: "net" })],
    ["/plan -p net\r\n/apply", plan({ project: "net" })],
    ["/plan -p net\n-d ignored", plan({ project: "net" })],
    ["/plan -p net\rignored", plan({ project: "net" })],
    ["/plan\r\n", plan()],
    ["/apply\n\nLooks good to me", cmd({ kind: "apply", filter: {} })],
    // only the first line counts
    ["LGTM\n/plan", none],
    ["\n/plan", none],
    ["\r\n/apply", none],
    ["", none],
    ["   ", none],
  ])("%j", (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

// CommonMark, as GitHub renders it: a line indented by four columns or more (a tab reaches the next
// multiple of four) starts an indented code block. A command shown as code is not a command.
describe("parseComment: a first line GitHub shows as an indented code block", () => {
  it.each(["    /apply", "\t/apply -p prod", "  \t/apply", " \t/state rm aws_db.main", "        /plan -- -destroy", "    sluice apply"])(
    "%j is not a command",
    (body) => {
      expect(parseComment(body)).toEqual(none);
      expect(parseComment(`${body}\n\nrun that once it is approved`)).toEqual(none);
    },
  );

  it.each<[string, ParseResult]>([
    ["   /plan -p net", plan({ project: "net" })],
    [" /apply", cmd({ kind: "apply", filter: {} })],
    ["\u00A0\u00A0\u00A0\u00A0/plan", plan()],
  ])("control: %j (less than four columns, or no CommonMark indentation) is a command", (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe("parseComment: not for us", () => {
  it.each([
    "hello",
    "Looks good, please /plan",
    "> /plan",
    "`/plan`",
    "'/plan'",
    "plan",
    "apply -p net",
    "/",
    "// a comment",
    "/123",
    "/ plan",
    "/:shipit:",
    "sluiceplan",
    "Sluice is great",
    "atlantis plan",
    "atlantis apply -p net",
    "Atlantis plan",
    "terraform plan",
    "#plan",
    "／deploy",
    // glued into one word, this does not even look like `sluice plan`: silence is fine
    "sluice\u200Bplan",
    "/<script>alert(1)</script>",
  ])("%j", (body) => {
    expect(parseComment(body)).toEqual(none);
  });
});

describe("parseComment: atlantis prefix", () => {
  it.each<[string, ParseResult]>([
    ["atlantis plan -p net", plan({ project: "net" })],
    ["atlantis apply", cmd({ kind: "apply", filter: {} })],
    ["atlantis help", cmd({ kind: "help" })],
    ["atlantis", invalid("`atlantis` needs a command: `atlantis plan`, `atlantis apply`, `atlantis unlock` or `atlantis help`")],
    ["atlantis version", invalid("unknown command `atlantis version`")],
    ["atlantis apply -- -var a=b", invalid("`atlantis apply` does not take extra arguments: it applies the saved plan")],
    ["Atlantis plan", invalid("`Atlantis plan` is not a command: commands are lowercase, did you mean `atlantis plan`?")],
    ["/plan", plan()],
  ])("%j", (body, expected) => {
    expect(parseComment(body, { allowAtlantisPrefix: true })).toEqual(expected);
  });
});

describe("parseComment: lookalikes are never commands", () => {
  it.each<[string, ParseResult]>([
    ["/Plan", invalid("`/Plan` is not a command: commands are lowercase, did you mean `/plan`?")],
    ["/PLAN -p net", invalid("`/PLAN` is not a command: commands are lowercase, did you mean `/plan`?")],
    ["/Apply", invalid("`/Apply` is not a command: commands are lowercase, did you mean `/apply`?")],
    ["Sluice plan", invalid("`Sluice plan` is not a command: commands are lowercase, did you mean `sluice plan`?")],
    ["sluice Plan", invalid("`sluice Plan` is not a command: commands are lowercase, did you mean `sluice plan`?")],
    ["\uFF0Fplan", invalid("`\uFF0Fplan` looks like `/plan` but contains a lookalike character (U+FF0F); type it in plain ASCII")],
    ["\u2215plan", invalid("`\u2215plan` looks like `/plan` but contains a lookalike character (U+2215); type it in plain ASCII")],
    ["\u2044apply", invalid("`\u2044apply` looks like `/apply` but contains a lookalike character (U+2044); type it in plain ASCII")],
    ["/pl\u0430n", invalid("`/pl\u0430n` looks like `/plan` but contains a lookalike character (U+0430); type it in plain ASCII")],
    ["/\u0440lan", invalid("`/\u0440lan` looks like `/plan` but contains a lookalike character (U+0440); type it in plain ASCII")],
    [
      "/\uFF50\uFF4C\uFF41\uFF4E",
      invalid("`/\uFF50\uFF4C\uFF41\uFF4E` looks like `/plan` but contains a lookalike character (U+FF50); type it in plain ASCII"),
    ],
    ["/pla\u0301n", invalid("`/pla\u0301n` looks like `/plan` but contains a lookalike character (U+0301); type it in plain ASCII")],
    [
      "\u0455luice plan",
      invalid("`\u0455luice plan` looks like `sluice plan` but contains a lookalike character (U+0455); type it in plain ASCII"),
    ],
    [
      "sluice pl\u0430n",
      invalid("`sluice pl\u0430n` looks like `sluice plan` but contains a lookalike character (U+0430); type it in plain ASCII"),
    ],
    // invisible characters: refused wherever they are, with the code point named
    ["/pl\u200Ban", invalid("the command contains a control or invisible character (U+200B); retype it as plain text")],
    ["\u200B/plan", invalid("the command contains a control or invisible character (U+200B); retype it as plain text")],
    ["/plan\u200D", invalid("the command contains a control or invisible character (U+200D); retype it as plain text")],
    ["/plan -p n\u202Eet", invalid("the command contains a control or invisible character (U+202E); retype it as plain text")],
    ["/plan -p net\u2060", invalid("the command contains a control or invisible character (U+2060); retype it as plain text")],
    ["/plan\u2028-p net", invalid("the command contains a control or invisible character (U+2028); retype it as plain text")],
  ])("%j", (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe("parseComment: control characters", () => {
  it.each([
    ["/plan\u0000", "U+0000"],
    ["/plan -p net\u0000", "U+0000"],
    ["/pl\u0000an", "U+0000"],
    ["/plan -- -var 'a=b\u0007'", "U+0007"],
    ["/plan \u001B[31m", "U+001B"],
    ["/plan\u000B-p net", "U+000B"],
    ["/plan\u000C-p net", "U+000C"],
    ["/plan\u0085", "U+0085"],
    ["/apply \u007F", "U+007F"],
    ["sluice plan \u0000", "U+0000"],
  ])("%j", (body, codePoint) => {
    expect(parseComment(body)).toEqual(
      invalid(`the command contains a control or invisible character (${codePoint}); retype it as plain text`),
    );
  });

  it("ignores control characters in comments that are not commands", () => {
    expect(parseComment("hello\u0000world")).toEqual(none);
  });
});

describe("parseComment: invalid commands get exact reasons", () => {
  it.each<[string, string]>([
    ["/deploy", "unknown command `/deploy`"],
    ["/deploy prod", "unknown command `/deploy`"],
    ["/plan-all", "unknown command `/plan-all`"],
    ["/plans", "unknown command `/plans`"],
    ["/usr/bin is missing", "unknown command `/usr/bin`"],
    ["/x<script>alert(1)</script>", "unknown command `/x<script>alert(1)</script>`"],
    ["sluice", "`sluice` needs a command: `sluice plan`, `sluice apply`, `sluice unlock` or `sluice help`"],
    ["sluice   ", "`sluice` needs a command: `sluice plan`, `sluice apply`, `sluice unlock` or `sluice help`"],
    ["sluice deploy", "unknown command `sluice deploy`"],
    ["sluice /plan", "unknown command `sluice /plan`"],
    // missing values
    ["/plan -p", "`-p` needs a value"],
    ["/plan --project", "`--project` needs a value"],
    ["/plan -p=", "`-p` needs a value"],
    ["/plan -p ''", "`-p` needs a value"],
    ["/plan -d", "`-d` needs a value"],
    ["/plan -w", "`-w` needs a value"],
    ["/plan -p -d envs/prod", "`-p` needs a value"],
    ["/plan -w --", "`-w` needs a value"],
    // repeats, including across spellings
    ["/plan -p a -p b", "`-p` is given more than once"],
    ["/plan -p a --project b", "`--project` is given more than once"],
    ["/plan -d a -d=a", "`-d` is given more than once"],
    ["/apply -w a --workspace a", "`--workspace` is given more than once"],
    // unknown flags and positionals
    ["/plan -x", "unknown flag `-x` for `/plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/plan -var a=b", "unknown flag `-var` for `/plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/plan -target=module.x", "unknown flag `-target` for `/plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/apply --force", "unknown flag `--force` for `/apply`: use `-p`, `-d` or `-w`"],
    ["/apply -auto-approve", "unknown flag `-auto-approve` for `/apply`: use `-p`, `-d` or `-w`"],
    ["sluice plan -x", "unknown flag `-x` for `sluice plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/plan -project net", "unknown flag `-project`: did you mean `--project`?"],
    ["/plan -dir=a", "unknown flag `-dir`: did you mean `--dir`?"],
    ["/plan -P net", "unknown flag `-P` for `/plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/plan -pnet", "unknown flag `-pnet` for `/plan`: use `-p`, `-d` or `-w`; put Terraform arguments after `--`"],
    ["/plan net", "unexpected argument `net`: `/plan` takes only the flags `-p`, `-d` and `-w`"],
    ["/apply -p net now", "unexpected argument `now`: `/apply` takes only the flags `-p`, `-d` and `-w`"],
    ["/plan -", "unexpected argument `-`: `/plan` takes only the flags `-p`, `-d` and `-w`"],
    ["/plan \u2014project net", "`\u2014project` starts with a dash lookalike (U+2014); type flags with the ASCII `-`"],
    ["/plan \u2013p net", "`\u2013p` starts with a dash lookalike (U+2013); type flags with the ASCII `-`"],
    // `--` on apply/unlock
    ["/apply --", "`/apply` does not take extra arguments: it applies the saved plan"],
    ["/apply -p net -- -var a=b", "`/apply` does not take extra arguments: it applies the saved plan"],
    ["sluice apply -- -destroy", "`sluice apply` does not take extra arguments: it applies the saved plan"],
    ["/unlock -- x", "`/unlock` does not take extra arguments"],
    // quoting
    ["/plan -p 'net", "unterminated single quote (`'`)"],
    ['/plan -p "net', 'unterminated double quote (`"`)'],
    ["/plan -- -var 'a=b", "unterminated single quote (`'`)"],
    ["/plan -- -var \u2018a=b c\u2019", "use straight quotes (`'` or `\"`) instead of `\u2018`"],
    ["/plan -p \u201Cnet\u201D", "use straight quotes (`'` or `\"`) instead of `\u201C`"],
    // values
    ["/plan -p -net", "`-p` needs a value"],
    [
      "/plan -p=-net",
      "invalid project name `-net`: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
    ],
    [
      "/plan -p 'a b'",
      "invalid project name `a b`: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
    ],
    [
      "/plan -p /net",
      "invalid project name `/net`: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
    ],
    [
      `/plan -p ${"a".repeat(129)}`,
      `invalid project name \`${"a".repeat(80)}…\`: use letters, digits, \`.\`, \`_\`, \`~\`, \`-\` and \`/\`, not starting with \`-\` or \`/\`, at most 128 characters`,
    ],
    ["/plan -d /etc", "invalid dir `/etc`: it must be relative to the repository root"],
    ["/plan -d ../other", "invalid dir `../other`: it must not contain `..`"],
    ["/plan -d a/../../b", "invalid dir `a/../../b`: it must not contain `..`"],
    ["/plan -d a/..", "invalid dir `a/..`: it must not contain `..`"],
    ["/plan -d 'a\\b'", "invalid dir `a\\b`: it must not contain backslashes"],
    ["/plan -d %2e%2e/x", "invalid dir `%2e%2e/x`: it must not contain `%`"],
    ["/plan -d ~/x", "invalid dir `~/x`: it must not contain `~`"],
    ["/plan -d=-rf", "invalid dir `-rf`: it must not start with `-`"],
    ["/plan -d ./-rf", "invalid dir `./-rf`: it must not start with `-`"],
    [
      "/plan -w 'a b'",
      "invalid workspace `a b`: no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters",
    ],
    [
      "/plan -w '$(id)'",
      "invalid workspace `$(id)`: no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters",
    ],
    [
      "/plan -w a/b",
      "invalid workspace `a/b`: no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters",
    ],
    [
      "/plan -w a..b",
      "invalid workspace `a..b`: no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters",
    ],
    [
      "/plan -w=-x",
      "invalid workspace `-x`: no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters",
    ],
    // user input with backticks cannot break out of its code span
    [
      "/plan -p `x`",
      "invalid project name `` `x` ``: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
    ],
    ["/dep`loy", "unknown command ``/dep`loy``"],
    [
      `/plan -x${"y".repeat(100)}`,
      `unknown flag \`-x${"y".repeat(78)}…\` for \`/plan\`: use \`-p\`, \`-d\` or \`-w\`; put Terraform arguments after \`--\``,
    ],
    [`/plan ${"a ".repeat(2100)}`, "the command line is longer than 4096 characters"],
  ])("%j", (body, reason) => {
    expect(parseComment(body)).toEqual(invalid(reason));
  });
});

describe("parseComment: shell metacharacters are never interpreted", () => {
  // Outside `--` they are stray arguments; after `--` they are refused unless they are the literal
  // value of an allowed flag, where they stay one argv entry.
  it.each<[string, ParseResult]>([
    ["/plan; rm -rf /", invalid("unknown command `/plan;`")],
    ["/plan ; rm -rf /", invalid("unexpected argument `;`: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    ["/plan && curl evil", invalid("unexpected argument `&&`: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    ["/plan | sh", invalid("unexpected argument `|`: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    ["/plan > /tmp/x", invalid("unexpected argument `>`: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    ["/plan `id`", invalid("unexpected argument `` `id` ``: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    ["/plan $(rm -rf /)", invalid("unexpected argument `$(rm`: `/plan` takes only the flags `-p`, `-d` and `-w`")],
    [
      "/plan -p 'net;id'",
      invalid(
        "invalid project name `net;id`: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
      ),
    ],
    [
      "/plan -p net&&id",
      invalid(
        "invalid project name `net&&id`: use letters, digits, `.`, `_`, `~`, `-` and `/`, not starting with `-` or `/`, at most 128 characters",
      ),
    ],
    ["/plan -d 'a;rm -rf /x'", plan({ dir: "a;rm -rf /x" })],
    ["/plan -- ; rm -rf /", invalid("unexpected extra argument `;`: only Terraform flags such as `-var` are allowed")],
    ["/plan -- && id", invalid("unexpected extra argument `&&`: only Terraform flags such as `-var` are allowed")],
    ["/plan -- | sh", invalid("unexpected extra argument `|`: only Terraform flags such as `-var` are allowed")],
    ["/plan -- > out", invalid("unexpected extra argument `>`: only Terraform flags such as `-var` are allowed")],
    ["/plan -- `id`", invalid("unexpected extra argument `` `id` ``: only Terraform flags such as `-var` are allowed")],
    ["/plan -- $(rm -rf /)", invalid("unexpected extra argument `$(rm`: only Terraform flags such as `-var` are allowed")],
    ["/plan -- -var x=1;id", plan({}, ["-var=x=1;id"])],
    ["/plan -- -var 'x=$(rm -rf /)'", plan({}, ["-var=x=$(rm -rf /)"])],
    ['/plan -- -var "x=`id`"', plan({}, ["-var=x=`id`"])],
    ["/plan -- -var 'x=a && b | c > d'", plan({}, ["-var=x=a && b | c > d"])],
    ["/plan -- -var 'x=$HOME'", plan({}, ["-var=x=$HOME"])],
    ["/plan -- -target='aws_instance.x;id'", invalid("`-target` value `aws_instance.x;id` is not a resource address")],
    ["/plan -- -var-file='$(id).tfvars'", plan({}, ["-var-file=$(id).tfvars"])],
    ["/plan -- -var a=b ; rm -rf /", invalid("unexpected extra argument `;`: only Terraform flags such as `-var` are allowed")],
  ])("%j", (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe("parseComment: extra args are validated", () => {
  it.each<[string, string]>([
    ["/plan -- -chdir=/", "`-chdir` is not allowed: Sluice runs each project in its own directory"],
    ["/plan -- -lock=false", "`-lock` is not allowed: Sluice always locks state"],
    ["/plan -- -out=x", "`-out` is not allowed: Sluice saves the plan file itself"],
    ["/plan -- -auto-approve", "`-auto-approve` is not allowed: apply with `/apply` after review"],
    ["/plan -- -var", "`-var` needs a value"],
    ["/plan -- -var 1x=2", "`-var` value `1x=2`: `1x` is not a variable name"],
  ])("%j", (body, reason) => {
    expect(parseComment(body)).toEqual(invalid(reason));
  });
});

describe("USAGE", () => {
  it("lists every command, both prefixes and the extra-args allowlist", () => {
    for (const word of ["/plan", "/apply", "/unlock", "/help", "sluice plan", "-p", "-d", "-w", "--", "-var", "-target", "-lock-timeout"]) {
      expect(USAGE).toContain(word);
    }
    expect(USAGE).not.toMatch(/<[a-z]/i);
  });
});

// Surrogate halves, controls and invisibles are where parsers break, so the property tests mix them in.
const nasty = fc.constantFrom(
  "/plan",
  "/apply",
  "/unlock",
  "/help",
  "sluice",
  "atlantis",
  "plan",
  " ",
  "\t",
  "\u00A0",
  "\n",
  "\r",
  "\r\n",
  "-p",
  "-d",
  "-w",
  "--project",
  "--dir",
  "--workspace",
  "=",
  "--",
  "'",
  '"',
  "`",
  "$(",
  ")",
  ";",
  "&&",
  "|",
  ">",
  "..",
  "/",
  "\\",
  "%",
  "~",
  ".",
  "-var",
  "-var-file",
  "-target",
  "a=b",
  "\u0000",
  "\u001B",
  "\u200B",
  "\u202E",
  "\uFF0F",
  "\u0430",
  "\uD800",
  "\uDC00",
  "\u2014",
  "\u2018",
  "net",
  "envs/prod",
  "staging",
);
const commentish = fc
  .array(fc.oneof(nasty, fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })), {
    maxLength: 16,
  })
  .map((parts) => parts.join(""));

function checkCommandValues(result: ParseResult): void {
  if (result.type === "invalid") {
    expect(result.reason.length).toBeGreaterThan(0);
    expect(result.reason).not.toMatch(/[\r\n]/);
    return;
  }
  if (result.type !== "command" || result.command.kind === "help" || result.command.kind === "applies") return;
  const { project, dir, workspace } = result.command.filter;
  if (project !== undefined) expect(project).toMatch(PROJECT_NAME);
  if (workspace !== undefined) {
    expect(workspace).toMatch(WORKSPACE_NAME);
    expect(workspace).not.toContain("..");
  }
  if (dir !== undefined) {
    expect(dir).not.toMatch(/^\/|^-|\\|%|~|[\p{Cc}\p{Cf}]/u);
    expect(dir.split("/")).not.toContain("..");
    expect(dir === "." || !dir.split("/").some((s) => s === "" || s === ".")).toBe(true);
  }
  if (result.command.kind === "plan") {
    for (const arg of result.command.extraArgs) expect(arg).toMatch(/^-[a-z-]+(=|$)/);
  }
}

describe("parseComment: properties", () => {
  it("never throws on any string, and any command it returns holds valid values", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), commentish),
        fc.boolean(),
        (body, allowAtlantisPrefix) => {
          const result = parseComment(body, { allowAtlantisPrefix });
          checkCommandValues(result);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads only the first line", () => {
    fc.assert(
      fc.property(commentish, fc.constantFrom("\n", "\r\n", "\r"), fc.string({ unit: "binary" }), (first, eol, rest) => {
        const line = first.split(/\r\n|\n|\r/)[0] ?? "";
        expect(parseComment(`${line}${eol}${rest}`)).toEqual(parseComment(line));
      }),
    );
  });

  it("accepts every valid filter value and returns it unchanged", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,20}$/);
    const ws = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,20}$/);
    fc.assert(
      fc.property(name, ws, (project, workspace) => {
        expect(parseComment(`/plan -p ${project} -w=${workspace}`)).toEqual(plan({ project, workspace }));
      }),
    );
  });

  it("never accepts a command word with a character swapped for a non-ASCII one", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("/plan", "/apply", "/unlock", "/help"),
        fc.nat(),
        fc.integer({ min: 0x80, max: 0x10ffff }),
        (word, at, codePoint) => {
          const i = at % word.length;
          const swapped = word.slice(0, i) + String.fromCodePoint(codePoint) + word.slice(i + 1);
          expect(parseComment(swapped).type).not.toBe("command");
        },
      ),
    );
  });
});

describe("parseComment: /import, /state rm and /state push-errored", () => {
  it.each<[string, unknown]>([
    ["/import aws_s3_bucket.b my-bucket", { kind: "import", filter: {}, address: "aws_s3_bucket.b", id: "my-bucket" }],
    ["atlantis import -d net terraform_data.x id-1", { kind: "import", filter: { dir: "net" }, address: "terraform_data.x", id: "id-1" }],
    ["/import -p app 'module.m.x[\"a b\"]' id", { kind: "import", filter: { project: "app" }, address: 'module.m.x["a b"]', id: "id" }],
    ["/state rm a.b c.d", { kind: "state_rm", filter: {}, addresses: ["a.b", "c.d"] }],
    ["sluice state rm -w staging a.b", { kind: "state_rm", filter: { workspace: "staging" }, addresses: ["a.b"] }],
    ["/state push-errored -p net", { kind: "state_push", filter: { project: "net" } }],
    ["/state push-errored", { kind: "state_push", filter: {} }],
  ])("%s", (body, command) => {
    expect(parseComment(body, { allowAtlantisPrefix: true })).toEqual({ type: "command", command });
  });

  it.each<[string, string]>([
    ["/import a.b", "takes a resource address and an id"],
    ["/import a.b id extra", "takes a resource address and an id"],
    ["/import a.b -state=/tmp/x", "unknown flag"],
    ["/state list", "supports `rm` and `push-errored`"],
    ["/state push-errored -p net a.b", "takes no address"],
    ["/state rm", "needs at least one resource address"],
    ["/state rm a.b -- -lock=false", "does not take extra arguments"],
  ])("%s is refused: %s", (body, reason) => {
    const r = parseComment(body);
    expect(r.type).toBe("invalid");
    expect(r.type === "invalid" ? r.reason : "").toContain(reason);
  });
});

describe("parseComment: /approve_policies", () => {
  it.each<[string, unknown]>([
    ["/approve_policies", { kind: "approve_policies", filter: {}, clear: false }],
    ["atlantis approve_policies -p net", { kind: "approve_policies", filter: { project: "net" }, clear: false }],
    [
      "sluice approve_policies -d envs/prod -w staging",
      { kind: "approve_policies", filter: { dir: "envs/prod", workspace: "staging" }, clear: false },
    ],
    ["atlantis approve_policies --clear-policy-approval", { kind: "approve_policies", filter: {}, clear: true }],
  ])("%s", (body, command) => {
    expect(parseComment(body, { allowAtlantisPrefix: true })).toEqual({ type: "command", command });
  });

  it.each<[string, string]>([
    ["/approve_policies -- -x", "does not take extra arguments"],
    [
      "/approve_policies --policy-set=a",
      "unknown flag `--policy-set` for `/approve_policies`: use `-p`, `-d` or `-w`, or `--clear-policy-approval`",
    ],
    ["/approve_policies everything", "unexpected argument"],
  ])("%s is refused: %s", (body, reason) => {
    const r = parseComment(body);
    expect(r.type).toBe("invalid");
    expect(r.type === "invalid" ? r.reason : "").toContain(reason);
  });
});

describe("parseComment: /applies pause|resume", () => {
  it.each<[string, unknown]>([
    ["/applies pause", { kind: "applies", action: "pause", reason: "" }],
    ["/applies pause -- incident 42, hold all applies", { kind: "applies", action: "pause", reason: "incident 42, hold all applies" }],
    ["sluice applies resume", { kind: "applies", action: "resume" }],
  ])("%s", (body, command) => {
    expect(parseComment(body)).toEqual({ type: "command", command });
  });

  it.each(["/applies", "/applies stop", "/applies pause now", "/applies resume -- x"])("%s is refused with the usage", (body) => {
    const r = parseComment(body);
    expect(r.type === "invalid" ? r.reason : "").toContain("/applies pause [-- REASON]");
  });
});

describe("/apply --override-protect", () => {
  it.each([
    [
      "/apply --override-protect -- replacing the db on purpose",
      { kind: "apply", filter: {}, overrideProtect: { reason: "replacing the db on purpose" } },
    ],
    ["/apply -p db --override-protect -- ok", { kind: "apply", filter: { project: "db" }, overrideProtect: { reason: "ok" } }],
    [
      "/apply --override-window --override-protect -- incident 7",
      { kind: "apply", filter: {}, overrideWindow: { reason: "incident 7" }, overrideProtect: { reason: "incident 7" } },
    ],
  ])("%s", (body, command) => {
    expect(parseComment(body)).toEqual({ type: "command", command });
  });

  it.each(["/apply --override-protect", "/apply --override-protect --   "])("%s needs a reason", (body) => {
    const r = parseComment(body);
    expect(r.type).toBe("invalid");
    expect(JSON.stringify(r)).toContain("--override-protect needs a reason after");
  });

  it("is for /apply only", () => {
    expect(parseComment("/plan --override-protect -- x").type).toBe("invalid");
  });
});

describe("parseComment: what follows `--`, by command", () => {
  it.each<[string, ParseResult]>([
    ["/plan -destroy -- -refresh=false", plan({}, ["-destroy", "-refresh=false"])],
    ["/plan -destroy -- -destroy", plan({}, ["-destroy"])],
    ["/plan --why -- -refresh=false", invalid("`/plan --why` plans nothing, so it takes no Terraform arguments")],
    ["/plan --why -destroy", invalid("`/plan --why` plans nothing, so `-destroy` has no meaning with it")],
    ["/drift -- why", invalid("`/drift` does not take extra arguments; only `/drift pause -p PROJECT -- REASON` takes a reason")],
    [
      "/drift resume -p net -- why",
      invalid("`/drift` does not take extra arguments; only `/drift pause -p PROJECT -- REASON` takes a reason"),
    ],
    ["/drift pause -p net -- on call", cmd({ kind: "drift", action: "pause", filter: { project: "net" }, reason: "on call" })],
    ["/apply -- -auto-approve", invalid("`/apply` does not take extra arguments: it applies the saved plan")],
    ["/apply --override-window -- ", invalid("`/apply` --override-window needs a reason after `--`: it is recorded in the audit")],
    ["/unlock -- x", invalid("`/unlock` does not take extra arguments")],
    ["/plan -p -d x", invalid("`-p` needs a value")],
    ["/plan -p a --project=b", invalid("`--project` is given more than once")],
  ])("%s", (body, result) => {
    expect(parseComment(body)).toEqual(result);
  });
});
