import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTargets } from "../../src/fleet/targets.js";
import { caught, problemsOf, targetsFile } from "./support.js";

const control = "postgres://postgres@127.0.0.1:5432/postgres";
const load = (file: string) => loadTargets({ file, controlDatabaseUrl: control });

const two = [
  { name: "tenant-a", url: "postgres://app@db1:5432/a", passwordEnv: "TENANT_A_PW" },
  { name: "tenant_b.eu", url: "postgresql://app@db2/b" },
];

/** Neither the message nor the JSON form (what the API and job results carry) may hold the secret. */
function expectNoSecret(err: { message: string; toJSON(): unknown }, secret = "s3cret") {
  expect(err.message).not.toContain(secret);
  expect(JSON.stringify(err.toJSON())).not.toContain(secret);
}

describe("targets files", () => {
  it("reads a JSON list and a JSON { targets } object", async () => {
    expect(await load(await targetsFile("fleet.json", two))).toEqual(two);
    expect(await load(await targetsFile("fleet.json", { targets: two }))).toEqual(two);
    const longest = [{ name: `9${"x".repeat(63)}`, url: "postgres://h/db" }];
    expect(await load(await targetsFile("fleet.json", longest))).toEqual(longest);
  });

  it("reads YAML in both shapes, by .yaml and .yml", async () => {
    const list = `- name: tenant-a\n  url: postgres://app@db1:5432/a\n  passwordEnv: TENANT_A_PW\n- name: tenant_b.eu\n  url: postgresql://app@db2/b\n`;
    expect(await load(await targetsFile("fleet.yaml", list))).toEqual(two);
    const object = `# the EU fleet\ntargets:\n${list.replace(/^/gm, "  ")}`;
    expect(await load(await targetsFile("fleet.yml", object))).toEqual(two);
  });

  it("reports every invalid entry at once, one line each, by name or by position", async () => {
    const file = await targetsFile("fleet.json", [
      { name: "-starts-with-dash", url: "postgres://h/x" },
      { url: "postgres://h/y" },
      { name: "a".repeat(65), url: "postgres://h/z" },
      { name: "ok1", url: "http://h/db" },
      { name: "ok2" },
      { name: "ok3", url: "postgres://h/w", passwordEnv: "lower_case" },
      { name: "ok4", url: "postgres://h/v", pasword_env: "X" },
      "postgres://h/u",
    ]);
    const problems = problemsOf(await caught(() => load(file)));
    expect(problems).toEqual([
      expect.stringMatching(/^targets\[0\]: name "-starts-with-dash" must be 1 to 64 letters/),
      "targets[1]: name is missing",
      expect.stringMatching(new RegExp(`^targets\\[2\\]: name "${"a".repeat(65)}" must be`)),
      'target "ok1": url must be a postgres:// or postgresql:// URL',
      'target "ok2": url is missing',
      expect.stringMatching(/^target "ok3": passwordEnv must be the name of an environment variable/),
      expect.stringMatching(/^target "ok4": unknown key "pasword_env"/),
      expect.stringMatching(/^targets\[7\]: must be an object/),
    ]);
    // A bad passwordEnv is not echoed: it may be a password pasted in the wrong field.
    expect(problems.join("\n")).not.toContain("lower_case");
  });

  it("refuses duplicate names and two targets on one database", async () => {
    const file = await targetsFile("fleet.json", [
      { name: "a", url: "postgres://app@DB1/shop" },
      { name: "a", url: "postgres://app@db2/shop" },
      { name: "b", url: "postgres://other@db1:5432/shop" },
      { name: "c", url: "postgres://app@db1:6432/shop" },
    ]);
    const err = await caught(() => load(file));
    expect(problemsOf(err)).toEqual([
      'targets "a" and "b" both point at db1:5432/shop',
      'target "a" is listed 2 times; names must be unique',
    ]);
    expect(err.message).toContain(file);
    expect(err.exitCode).toBe(2);
  });

  it("refuses a URL carrying a password, shows it redacted and never leaks it", async () => {
    const file = await targetsFile("fleet.json", [
      { name: "a", url: "postgres://u:s3cret@h/db" },
      { name: "b", url: "postgres://u@h/other?sslmode=require&password=s3cret" },
      { name: "c", url: "postgres://u:s3cret@h/db", passwordEnv: "C_PW" },
    ]);
    const err = await caught(() => load(file));
    const problems = problemsOf(err);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("postgres://u:***@h/db carries a password");
    expect(problems[0]).toContain("passwordEnv");
    expect(problems[0]).toContain("pgpass");
    expect(problems[1]).toContain("password=***");
    expectNoSecret(err);
  });

  it("never leaks a password from a file it cannot parse", async () => {
    const yaml = await targetsFile("fleet.yaml", "- name: a\n  url: postgres://u:s3cret@h/db\n bad: [\n");
    const yamlErr = await caught(() => load(yaml));
    expect(problemsOf(yamlErr)[0]).toMatch(/^the file is not valid YAML at line 3, column \d+: \S/);
    expectNoSecret(yamlErr);
    // V8 quotes the text around an unexpected token; the line comes from elsewhere then.
    const json = await targetsFile("fleet.json", '[\n  {"url": "postgres://u:s3cret@h/db", "name": a}\n]');
    const jsonErr = await caught(() => load(json));
    expect(problemsOf(jsonErr)[0]).toMatch(
      /^the file is not valid JSON at line 2, column 47: Unexpected token/,
    );
    expectNoSecret(jsonErr);
  });

  it("names the line of a JSON syntax error the parser reports by offset", async () => {
    const file = await targetsFile("fleet.json", '[\n  {"name": "a", "url": "postgres://h/db"},\n]\n');
    expect(problemsOf(await caught(() => load(file)))).toEqual([
      expect.stringMatching(/^the file is not valid JSON at line 3, column 1: /),
    ]);
  });

  it("refuses duplicate YAML keys rather than keeping the last", async () => {
    const file = await targetsFile("fleet.yaml", "- name: a\n  url: postgres://h/a\n  url: postgres://h/b\n");
    expect(problemsOf(await caught(() => load(file)))[0]).toMatch(
      /^the file is not valid YAML at line 3, column 3: Map keys must be unique/,
    );
  });

  it("says what is wrong with a file that holds no usable list", async () => {
    const cases: [string, string, RegExp][] = [
      ["empty.json", "[]", /lists no targets/],
      ["empty.yaml", "targets: []\n", /lists no targets/],
      ["blank.yaml", "# nothing yet\n", /the file is empty/],
      ["extra.json", JSON.stringify({ targets: [], version: 2 }), /unknown top-level key "version"/],
      ["scalar.yaml", "tenant-a\n", /must hold a list of targets/],
      ["fleet.txt", "[]", /must end in \.json, \.yaml or \.yml/],
    ];
    for (const [name, content, expected] of cases) {
      const file = await targetsFile(name, content);
      const err = await caught(() => load(file));
      expect(problemsOf(err), name).toEqual([expect.stringMatching(expected)]);
      expect(err.details.source).toBe(file);
    }
  });

  it("names a file that is missing, a directory or unreadable", async () => {
    const file = await targetsFile("fleet.json", two);
    const missing = path.join(path.dirname(file), "nope.yaml");
    const missingErr = await caught(() => load(missing));
    expect(missingErr.message).toContain(missing);
    expect(problemsOf(missingErr)).toEqual([expect.stringContaining("does not exist")]);
    const dir = path.join(path.dirname(file), "dir.json");
    await mkdir(dir);
    expect(problemsOf(await caught(() => load(dir)))).toEqual([expect.stringContaining("is a directory")]);
    if (process.getuid?.() !== 0) {
      await chmod(file, 0o000);
      expect(problemsOf(await caught(() => load(file)))).toEqual([
        expect.stringContaining("permission denied"),
      ]);
    }
  });

  it("needs a file or a query", async () => {
    expect((await caught(() => loadTargets({ controlDatabaseUrl: control }))).code).toBe("TM_CONFIG_INVALID");
  });
});
