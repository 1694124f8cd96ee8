import { envHelpText, envRows } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { cliEnvSchema } from "../src/config.js";
import { ENV_HELP } from "../src/env-help.js";
import { buildProgram, topHelpText } from "../src/program.js";
import { STATUS_FLAGS, statusOptions } from "../src/status-flags.js";
import { TOP_HELP } from "../src/top-help.js";
import { runCli } from "./run-cli.js";

const commands = [
  "init",
  "create",
  "status",
  "history",
  "upgrade",
  "rollback",
  "backup",
  "restore",
  "backups",
  "verify",
  "lint",
  "stamp",
  "jobs",
];

describe("help and usage errors", () => {
  it("prints the command list, the environment and the exit codes with --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const name of commands) expect(r.stdout).toContain(`  ${name} `);
    expect(r.stdout).toContain("DATABASE_URL");
    expect(r.stdout).toContain("Exit status: 0 ok, 1 failure, 2 usage error, 3 refused or aborted.");
  });

  it("lists every variable the CLI reads in --help, with the same default as the README", async () => {
    const r = await runCli(["--help"]);
    const rows = envRows([{ process: "cli", schema: cliEnvSchema }]);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const row of rows) {
      const line = r.stdout.split("\n").find((l) => l.trimStart().startsWith(`${row.name} `));
      expect(line, row.name).toBeDefined();
      expect(line).toContain(`(default ${row.shownDefault.replaceAll("`", "")})`);
    }
    for (const name of ["TIDEMARK_SCHEMA_FILE", "TIDEMARK_JOB_TIMEOUT_MS", "TIDEMARK_SCRATCH_URL"]) {
      expect(r.stdout).toContain(name);
    }
  });

  it("keeps the precomputed environment help equal to the text generated from the schema", () => {
    // --help prints src/env-help.ts so it need not load zod; regenerate it with scripts/env-help.mjs --write.
    expect(ENV_HELP).toBe(envHelpText(envRows([{ process: "cli", schema: cliEnvSchema }])));
  });

  it("runs status without commander only for the boolean flags status registers, parsed alike", () => {
    // bin.ts skips commander for these; a new option of `status` must go through commander.
    const status = buildProgram().commands.find((c) => c.name() === "status");
    const registered = status?.options
      .filter((o) => o.long !== "--help")
      .map((o) => [o.long, o.attributeName()]);
    expect(Object.entries(STATUS_FLAGS).sort()).toEqual(registered?.sort());
    expect(status?.options.every((o) => o.isBoolean())).toBe(true);
    expect(statusOptions(["--json", "--check"])).toEqual({ json: true, check: true });
    expect(statusOptions([])).toEqual({});
    expect(statusOptions(["--json", "-h"])).toBeNull();
    expect(statusOptions(["--jsn"])).toBeNull();
  });

  it("keeps the precomputed top-level --help equal to what commander prints", () => {
    // bin.ts prints src/top-help.ts; after changing a command, rebuild and run scripts/env-help.mjs --write.
    expect(TOP_HELP).toBe(topHelpText());
    expect(TOP_HELP).toContain("  fleet ");
  });

  it.each(commands)("prints help with examples for `%s --help` and exits 0", async (name) => {
    const r = await runCli([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: tidemark ${name}`);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("$ pnpm cli ");
  });

  it("accepts --direct on every command that touches the database", async () => {
    for (const name of commands.filter((c) => c !== "jobs")) {
      const r = await runCli([name, "--help"]);
      expect(r.stdout, name).toContain("--direct");
    }
  });

  it("prints the package version with --version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("exits 2 with a hint on an unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain("--help");
  });

  it("exits 2 on an unknown flag", async () => {
    const r = await runCli(["status", "--frob"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frob'");
  });

  it("exits 2 when a required argument is missing", async () => {
    const r = await runCli(["rollback"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'target'");
  });

  it("exits 2 on a malformed option value", async () => {
    const r = await runCli(["history", "--limit", "many"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expected a positive integer");
  });

  it("exits 2 with the usage when no command is given", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: tidemark");
  });

  it("exits 2 naming the variable when the environment is invalid", async () => {
    const r = await runCli(["status"], { DATABASE_URL: "not a url" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("DATABASE_URL");
    expect(r.stderr).toContain("TM_CONFIG_INVALID");
  });
});
