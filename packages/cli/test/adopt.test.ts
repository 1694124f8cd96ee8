import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { AdoptReport } from "@tidemark/migrate";
import { copyMigrations, createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const exec = promisify(execFile);
const fixture = fileURLToPath(new URL("../../testkit/fixtures/realistic-history", import.meta.url));

/** sha256 of every file directly in the folder and in meta/. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ["", "meta/"]) {
    for (const f of readdirSync(`${dir}/${sub}`, { withFileTypes: true })) {
      if (f.isFile())
        out[sub + f.name] = createHash("sha256")
          .update(readFileSync(`${dir}/${sub}${f.name}`))
          .digest("hex");
    }
  }
  return out;
}

async function schemaDump(url: string): Promise<string> {
  const { stdout } = await exec("pg_dump", [
    "--schema-only",
    "--no-owner",
    "--exclude-schema=drizzle",
    "--exclude-schema=tidemark",
    url,
  ]);
  return stdout
    .split("\n")
    .filter((l) => !l.startsWith("--") && !/^\\(un)?restrict /.test(l))
    .join("\n");
}

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

async function project() {
  const db = await createTempDatabase("tm_cli_adopt");
  dbs.push(db.name);
  const dir = await copyMigrations(fixture);
  const backups = await tempDir("tm-cli-adopt-backups-");
  return {
    dir,
    url: db.url,
    env: { DATABASE_URL: db.url, TIDEMARK_MIGRATIONS_DIR: dir, BACKUP_DIR: backups.dir },
  };
}

describe("pnpm cli adopt", () => {
  let p: Awaited<ReturnType<typeof project>>;
  let report: AdoptReport;

  beforeAll(async () => {
    p = await project();
  });

  it("--check exits 1 and writes nothing while migrations lack a down file", async () => {
    const before = hashes(p.dir);
    const r = await runCli(["adopt", "--check"], p.env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("36 down migrations to write");
    expect(r.stdout).toContain("0008_abandoned_backfill.sql");
    expect(hashes(p.dir)).toEqual(before);
  });

  it("writes the downs and prints one JSON document with --json", async () => {
    const r = await runCli(["adopt", "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout) as AdoptReport;
    expect(report.downs).toHaveLength(36);
    expect(report.downs.filter((d) => !d.proven).length).toBeGreaterThan(0);
  }, 120_000);

  it("then finds nothing to adopt, exits 0 with --check, and a second run changes no file", async () => {
    const before = hashes(p.dir);
    const check = await runCli(["adopt", "--check"], p.env);
    expect(check.code, check.stderr).toBe(0);
    const again = await runCli(["adopt"], p.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Nothing to adopt");
    expect(hashes(p.dir)).toEqual(before);
  });

  it("rollback base refuses the unverified downs in its preview, before promising a restore point", async () => {
    const up = await runCli(["upgrade", "--direct", "--yes"], p.env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const before = await schemaDump(p.url);
    const r = await runCli(["rollback", "base", "--yes", "--direct"], p.env);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain("This rollback will be refused");
    expect(r.stdout).not.toContain("A restore point");
    expect(r.stdout).not.toContain("No tables or columns are dropped");
    expect(r.stdout + r.stderr).toContain("TM_DOWN_UNVERIFIED");
    for (const d of report.downs.filter((x) => !x.proven))
      expect(r.stdout).toContain(`${d.revision}.down.sql`);
    expect(await schemaDump(p.url)).toBe(before);
  }, 120_000);

  it("rollback base --accept-unverified then upgrade returns the identical schema", async () => {
    const before = await schemaDump(p.url);
    const down = await runCli(["rollback", "base", "--yes", "--direct", "--accept-unverified"], p.env);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toContain("Rolled back");
    const up = await runCli(["upgrade", "--direct", "--yes"], p.env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await schemaDump(p.url)).toBe(before);
  }, 120_000);
});

describe("rollback preview of a history without down files", () => {
  it("says the rollback will be refused instead of promising no losses and a restore point", async () => {
    const p = await project();
    const up = await runCli(["upgrade", "--direct", "--yes", "--to", "0003"], p.env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const r = await runCli(["rollback", "prev", "--yes", "--direct"], p.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("This rollback will be refused");
    expect(r.stdout).not.toContain("No tables or columns are dropped");
    expect(r.stdout).not.toContain("A restore point");
    expect(r.stdout + r.stderr).toContain("TM_DOWN_MISSING");
  }, 120_000);
});
