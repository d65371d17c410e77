import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateExtraArgs } from "../../src/command/validate-extra-args.js";

const ALLOWED_LIST =
  "`-var`, `-var-file`, `-target`, `-replace`, `-refresh`, `-refresh-only`, `-destroy`, `-parallelism`, `-compact-warnings`, `-lock-timeout`";

describe("validateExtraArgs: accepted and normalized to -flag=value", () => {
  it.each<[string[], string[]]>([
    [[], []],
    [["-var", "region=eu-west-1"], ["-var=region=eu-west-1"]],
    [["-var=region=eu-west-1"], ["-var=region=eu-west-1"]],
    [["--var", "a=b"], ["-var=a=b"]],
    [["-var", "a="], ["-var=a="]],
    [["-var", "a=b=c"], ["-var=a=b=c"]],
    [["-var", "my-var_2=x y"], ["-var=my-var_2=x y"]],
    [["-var", 'tags={"a":"b"}'], ['-var=tags={"a":"b"}']],
    [["-var", "x=$(rm -rf /)"], ["-var=x=$(rm -rf /)"]],
    [["-var", "x=a;b&&c|d>e`f`"], ["-var=x=a;b&&c|d>e`f`"]],
    [["-var-file", "envs/prod.tfvars"], ["-var-file=envs/prod.tfvars"]],
    [["-var-file=./envs//prod.tfvars"], ["-var-file=envs/prod.tfvars"]],
    [["-target", "module.vpc"], ["-target=module.vpc"]],
    [["-target=aws_instance.web[0]"], ["-target=aws_instance.web[0]"]],
    [['-target=module.x["a-b"].aws_s3_bucket.this'], ['-target=module.x["a-b"].aws_s3_bucket.this']],
    [["-replace", "aws_instance.web"], ["-replace=aws_instance.web"]],
    [["-refresh=true"], ["-refresh=true"]],
    [["-refresh=false"], ["-refresh=false"]],
    [["-refresh", "false"], ["-refresh=false"]],
    [["-refresh"], ["-refresh=true"]],
    [
      ["-refresh", "-destroy"],
      ["-refresh=true", "-destroy"],
    ],
    [["-refresh-only"], ["-refresh-only"]],
    [["-destroy"], ["-destroy"]],
    [["-compact-warnings"], ["-compact-warnings"]],
    [["-parallelism=1"], ["-parallelism=1"]],
    [["-parallelism", "256"], ["-parallelism=256"]],
    [["-lock-timeout=30s"], ["-lock-timeout=30s"]],
    [["-lock-timeout", "5m"], ["-lock-timeout=5m"]],
    [["-lock-timeout=1h"], ["-lock-timeout=1h"]],
    [
      ["-var", "a=1", "-var-file=x.tfvars", "-target", "module.a", "-destroy", "-parallelism", "8"],
      ["-var=a=1", "-var-file=x.tfvars", "-target=module.a", "-destroy", "-parallelism=8"],
    ],
    [Array.from({ length: 32 }, () => "-destroy"), Array.from({ length: 32 }, () => "-destroy")],
  ])("%j", (args, expected) => {
    expect(validateExtraArgs(args)).toEqual({ ok: true, args: expected });
  });
});

describe("validateExtraArgs: refused by name", () => {
  it.each<[string[], string]>([
    [["-chdir=/"], "`-chdir` is not allowed: Sluice runs each project in its own directory"],
    [["-chdir", "../x"], "`-chdir` is not allowed: Sluice runs each project in its own directory"],
    [["--chdir=/"], "`-chdir` is not allowed: Sluice runs each project in its own directory"],
    [["-state=x"], "`-state` is not allowed: state comes from the configured backend"],
    [["-state-out", "x"], "`-state-out` is not allowed: state comes from the configured backend"],
    [["-backup=-"], "`-backup` is not allowed: state comes from the configured backend"],
    [["-plugin-dir=/tmp"], "`-plugin-dir` is not allowed: providers come from `terraform init` and the lock file"],
    [["-lock=false"], "`-lock` is not allowed: Sluice always locks state"],
    [["-lock"], "`-lock` is not allowed: Sluice always locks state"],
    [["-out=/tmp/p"], "`-out` is not allowed: Sluice saves the plan file itself"],
    [["-input=true"], "`-input` is not allowed: runs are never interactive"],
    [["-auto-approve"], "`-auto-approve` is not allowed: apply with `/apply` after review"],
    [["-no-color"], "`-no-color` is not allowed: Sluice controls the output format"],
    [["-json"], "`-json` is not allowed: Sluice controls the output format"],
    [["-generate-config-out=x.tf"], "`-generate-config-out` is not allowed: it writes files into the checkout"],
    [["-var", "a=b", "-chdir=/"], "`-chdir` is not allowed: Sluice runs each project in its own directory"],
  ])("%j", (args, reason) => {
    expect(validateExtraArgs(args)).toEqual({ ok: false, reason });
  });
});

describe("validateExtraArgs: other refusals", () => {
  it.each<[string[], string]>([
    [["-detailed-exitcode"], `\`-detailed-exitcode\` is not an allowed extra argument (allowed: ${ALLOWED_LIST})`],
    [["-VAR", "a=b"], `\`-VAR\` is not an allowed extra argument (allowed: ${ALLOWED_LIST})`],
    [["-upgrade"], `\`-upgrade\` is not an allowed extra argument (allowed: ${ALLOWED_LIST})`],
    [["region=eu"], "unexpected extra argument `region=eu`: only Terraform flags such as `-var` are allowed"],
    [[";"], "unexpected extra argument `;`: only Terraform flags such as `-var` are allowed"],
    [["&&"], "unexpected extra argument `&&`: only Terraform flags such as `-var` are allowed"],
    [["|"], "unexpected extra argument `|`: only Terraform flags such as `-var` are allowed"],
    [[">"], "unexpected extra argument `>`: only Terraform flags such as `-var` are allowed"],
    [["`id`"], "unexpected extra argument `` `id` ``: only Terraform flags such as `-var` are allowed"],
    [["$(rm -rf /)"], "unexpected extra argument `$(rm -rf /)`: only Terraform flags such as `-var` are allowed"],
    [[""], "unexpected extra argument (empty): only Terraform flags such as `-var` are allowed"],
    [["-"], "unexpected extra argument `-`: only Terraform flags such as `-var` are allowed"],
    [["--"], "unexpected extra argument `--`: only Terraform flags such as `-var` are allowed"],
    [["---var=a=b"], "unexpected extra argument `---var=a=b`: only Terraform flags such as `-var` are allowed"],
    [["-=x"], "unexpected extra argument `-=x`: only Terraform flags such as `-var` are allowed"],
    [["-var", "a=b", "x"], "unexpected extra argument `x`: only Terraform flags such as `-var` are allowed"],
    // values
    [["-var"], "`-var` needs a value"],
    [["-var="], "`-var` needs a value"],
    [["-var", "-destroy"], "`-var` needs a value"],
    [["-var", "novalue"], "`-var` value `novalue` must look like `name=value`"],
    [["-var", "=x"], "`-var` value `=x`: (empty) is not a variable name"],
    [["-var", "1a=x"], "`-var` value `1a=x`: `1a` is not a variable name"],
    [["-var", "a b=x"], "`-var` value `a b=x`: `a b` is not a variable name"],
    [["-var", "a.b=x"], "`-var` value `a.b=x`: `a.b` is not a variable name"],
    [["-var-file", "/etc/passwd"], "`-var-file` path `/etc/passwd` is refused: it must be relative to the repository root"],
    [["-var-file=../../secrets.tfvars"], "`-var-file` path `../../secrets.tfvars` is refused: it must not contain `..`"],
    [["-var-file=a\\b.tfvars"], "`-var-file` path `a\\b.tfvars` is refused: it must not contain backslashes"],
    [["-var-file=%2e%2e/x"], "`-var-file` path `%2e%2e/x` is refused: it must not contain `%`"],
    [["-var-file=~/x"], "`-var-file` path `~/x` is refused: it must not contain `~`"],
    [["-var-file=./"], "`-var-file` needs a file, not `./`"],
    [["-target"], "`-target` needs a value"],
    [["-target", "-destroy"], "`-target` needs a value"],
    [["-target=a b"], "`-target` value `a b` is not a resource address"],
    [["-target=x;id"], "`-target` value `x;id` is not a resource address"],
    [["-target=$(id)"], "`-target` value `$(id)` is not a resource address"],
    [["-replace=-x"], "`-replace` value `-x` is not a resource address"],
    [[`-target=${"a".repeat(513)}`], "`-target` value is longer than 512 characters"],
    [["-refresh=no"], "`-refresh` must be `true` or `false`"],
    [["-refresh="], "`-refresh` must be `true` or `false`"],
    [["-destroy=true"], "`-destroy` takes no value"],
    [["-refresh-only=false"], "`-refresh-only` takes no value"],
    [["-parallelism=0"], "`-parallelism` must be a whole number from 1 to 256"],
    [["-parallelism=257"], "`-parallelism` must be a whole number from 1 to 256"],
    [["-parallelism=08"], "`-parallelism` must be a whole number from 1 to 256"],
    [["-parallelism=1e2"], "`-parallelism` must be a whole number from 1 to 256"],
    [["-parallelism", "-1"], "`-parallelism` needs a value"],
    [["-lock-timeout=30"], "`-lock-timeout` must be a duration such as `30s`, `5m` or `1h`"],
    [["-lock-timeout=1d"], "`-lock-timeout` must be a duration such as `30s`, `5m` or `1h`"],
    [["-lock-timeout=1m30s"], "`-lock-timeout` must be a duration such as `30s`, `5m` or `1h`"],
    // control characters, in any position
    [["-var", "a=b\u0000"], "extra argument `a=b\\u{0}` contains a control or invisible character (U+0000)"],
    [["-var", "a=b\nc"], "extra argument `a=b\\u{A}c` contains a control or invisible character (U+000A)"],
    [["-var=a=\u001B[31m"], "extra argument `-var=a=\\u{1B}[31m` contains a control or invisible character (U+001B)"],
    [["-var", "a=\u202Eb"], "extra argument `a=\\u{202E}b` contains a control or invisible character (U+202E)"],
    [["-destroy\t"], "extra argument `-destroy\\u{9}` contains a control or invisible character (U+0009)"],
    [Array.from({ length: 33 }, () => "-destroy"), "too many extra arguments (33, at most 32)"],
  ])("%j", (args, reason) => {
    expect(validateExtraArgs(args)).toEqual({ ok: false, reason });
  });
});

describe("validateExtraArgs: properties", () => {
  const token = fc.oneof(
    fc.constantFrom("-var", "-var-file", "-target", "-replace", "-refresh", "-destroy", "-parallelism", "-lock-timeout", "-chdir", "-lock"),
    fc.constantFrom("a=b", "x.tfvars", "module.a", "true", "false", "4", "30s", ";", "$(id)", "../x", "=", "-"),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: "binary", maxLength: 4 }),
  );

  it("never throws, and what it accepts is canonical and accepted again unchanged", () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (args) => {
        const result = validateExtraArgs(args);
        if (!result.ok) {
          expect(result.reason).not.toBe("");
          return;
        }
        expect(result.args.length).toBeLessThanOrEqual(args.length);
        for (const arg of result.args) {
          expect(arg).toMatch(
            /^-(var|var-file|target|replace|refresh|refresh-only|destroy|parallelism|compact-warnings|lock-timeout)(=|$)/,
          );
        }
        expect(validateExtraArgs(result.args)).toEqual(result);
      }),
      { numRuns: 2000 },
    );
  });
});
