import { appendFile, rm } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import type { LintReport, StatusReport } from "@tidemark/migrate";
import {
  addMigration,
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

/** This file's queue keys (a refused enqueue still creates some), dropped afterwards. */
const queuePrefix = uniqueQueuePrefix();

let db: { name: string; url: string };
let scratch: { dir: string; cleanup: () => Promise<void> };
let dir: string;
let env: Record<string, string>;

const DROP_TAG = "0005_drop_user_avatar_url";

/** Append a migration that drops a column (a lint error) to the copied history. */
async function addDropColumnMigration(): Promise<void> {
  await addMigration(
    dir,
    DROP_TAG,
    'ALTER TABLE "users" DROP COLUMN "avatar_url";',
    'ALTER TABLE "users" ADD COLUMN "avatar_url" varchar(255);',
  );
}

beforeAll(async () => {
  db = await createTempDatabase("tm_cli_safety");
  scratch = await tempDir("tm-cli-safety-");
  dir = await copyMigrations(migrationsDir);
  await addDropColumnMigration();
  env = {
    DATABASE_URL: db.url,
    BACKUP_DIR: scratch.dir,
    TIDEMARK_MIGRATIONS_DIR: dir,
    TIDEMARK_QUEUE_PREFIX: queuePrefix,
  };
});

afterAll(async () => {
  await dropQueuePrefix(queuePrefix);
  await dropDatabase(db.name);
  await scratch.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function current(): Promise<string | null> {
  const r = await runCli(["status", "--json"], env);
  return (JSON.parse(r.stdout) as StatusReport).current;
}

describe.sequential("lint, confirmations and drift on a copied history", () => {
  it("lint exits 1 and names the rule, the file and the revision of a dropped column", async () => {
    const r = await runCli(["lint"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error drop-column");
    expect(r.stdout).toContain(`${DROP_TAG}.sql:1 (${DROP_TAG})`);
    expect(r.stdout).toMatch(/1 error, \d+ warnings?/);
  });

  it("lint of only the clean revisions exits 0, and --json prints the report", async () => {
    const r = await runCli(["lint", "0000", "0001", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as LintReport;
    expect(report.errors).toBe(0);
    expect(report.findings.every((f) => f.revision !== DROP_TAG)).toBe(true);
  });

  it("refuses an upgrade whose pending migrations have lint errors off a terminal without --yes", async () => {
    const r = await runCli(["upgrade", "--direct"], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("error drop-column");
    expect(r.stderr).toContain("TM_REFUSED");
    expect(await current()).toBeNull();
  });

  it("shows the plan with its lint findings on --dry-run --json and applies nothing", async () => {
    const r = await runCli(["upgrade", "--dry-run", "--json", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { steps: unknown[]; lint: LintReport };
    expect(out.steps).toHaveLength(6);
    expect(out.lint.errors).toBe(1);
    expect(await current()).toBeNull();
  });

  it("applies the risky upgrade when --yes is given", async () => {
    const r = await runCli(["upgrade", "--direct", "--yes"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await current()).toBe(DROP_TAG);
  });

  it("refuses to stamp without --yes off a terminal", async () => {
    const r = await runCli(["stamp", "0002", "--direct"], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("--yes");
  });

  it("verify exits 1 and names the migration after an applied file is edited on disk", async () => {
    await appendFile(path.join(dir, "0001_add_categories_table.sql"), "\n-- edited after it was applied\n");
    const r = await runCli(["verify", "--direct"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("0001_add_categories_table");
    const json = await runCli(["verify", "--json"], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false });
    const status = await runCli(["status"], env);
    expect(status.stdout).toContain("0001_add_categories_table changed on disk after it was applied");
  });
});
