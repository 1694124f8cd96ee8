import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import type { LintReport } from "@tidemark/migrate";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

/** This file's queue keys, dropped afterwards. */
const queuePrefix = uniqueQueuePrefix();
const DROP_TAG = "0005_drop_user_avatar_url";
const INDEX_TAG = "0006_index_everything";

let db: { name: string; url: string };
let scratch: { dir: string; cleanup: () => Promise<void> };
let dir: string;
let env: Record<string, string>;

/** Append a migration (journal entry, up and down file) to the copied history. */
async function append(tag: string, up: string, down: string): Promise<void> {
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as {
    entries: { idx: number; when: number; tag: string; version: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1);
  journal.entries.push({
    idx: journal.entries.length,
    version: "7",
    when: (last?.when ?? 0) + 1000,
    tag,
    breakpoints: true,
  });
  await writeFile(journalFile, JSON.stringify(journal, null, 2));
  await writeFile(path.join(dir, `${tag}.sql`), up);
  await writeFile(path.join(dir, `${tag}.down.sql`), down);
}

beforeAll(async () => {
  db = await createTempDatabase("tm_cli_baseline");
  scratch = await tempDir("tm-cli-baseline-");
  dir = await copyMigrations(migrationsDir);
  // Three migrations without a down, as in every drizzle-kit history.
  for (const tag of [
    "0000_create_users_table",
    "0001_add_categories_table",
    "0002_increase_username_length",
  ]) {
    await rm(path.join(dir, `${tag}.down.sql`));
  }
  await append(
    DROP_TAG,
    'ALTER TABLE "users" DROP COLUMN "avatar_url";',
    'ALTER TABLE "users" ADD COLUMN "avatar_url" varchar(255);',
  );
  // 30 warnings in one file: more than upgrade may print.
  const indexes = Array.from({ length: 30 }, (_, i) => `CREATE INDEX "users_i${i}" ON "users" ("email");`);
  const drops = Array.from({ length: 30 }, (_, i) => `DROP INDEX "users_i${i}";`);
  await append(
    INDEX_TAG,
    indexes.join("\n--> statement-breakpoint\n"),
    drops.join("\n--> statement-breakpoint\n"),
  );
  await writeFile(path.join(dir, "0009_forgotten.sql"), "SELECT 1;\n");
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

describe.sequential("lint and upgrade with a lint baseline on an adopted history", () => {
  it("init on the existing history says it is initialized and points to adopt for the missing downs", async () => {
    const r = await runCli(["init", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Already initialized");
    expect(r.stdout).toContain("3 migrations have no down file; run pnpm cli adopt to write them.");
  });

  it("lint says in one line which migrations have no down file, and warns about a file outside the journal", async () => {
    const r = await runCli(["lint"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error drop-column");
    expect(r.stdout).toContain(
      "3 migrations have no down file: 0000_create_users_table, 0001_add_categories_table, 0002_increase_username_length; run pnpm cli adopt to write them.",
    );
    expect(r.stdout).not.toContain("warning missing-down");
    expect(r.stdout).toContain("0009_forgotten.sql is not in meta/_journal.json");
    const json = JSON.parse((await runCli(["lint", "--json"], env)).stdout) as LintReport;
    expect(json.findings.filter((f) => f.rule === "missing-down")).toHaveLength(3);
  });

  it("lint --accept records the reviewed drop; lint then exits 0 and --all still reports it", async () => {
    const accept = await runCli(["lint", DROP_TAG, "--accept"], env);
    expect(accept.code, accept.stderr).toBe(0);
    expect(accept.stdout).toContain("Accepted 1 finding of 1 migration in tidemark.lint-baseline.json.");
    const r = await runCli(["lint"], env);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toContain("error drop-column");
    expect(r.stdout).toContain("1 finding accepted in the lint baseline not shown");
    expect((await runCli(["lint", "--all"], env)).code).toBe(1);
  });

  it("lint --since checks only the migrations after a revision, and refuses to mix with --all", async () => {
    const r = await runCli(["lint", "--since", "0005", "--json"], env);
    const report = JSON.parse(r.stdout) as LintReport;
    expect(new Set(report.findings.map((f) => f.revision))).toEqual(new Set([INDEX_TAG]));
    const none = await runCli(["lint", "--since", INDEX_TAG], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(`No migrations after ${INDEX_TAG}: nothing to check.`);
    const both = await runCli(["lint", "--since", "0005", "--all"], env);
    expect(both.code).toBe(2);
  });

  it("a changed file does not inherit its baseline entry", async () => {
    const file = path.join(dir, `${DROP_TAG}.sql`);
    const original = await readFile(file, "utf8");
    await appendFile(file, "\n-- edited after review\n");
    const r = await runCli(["lint"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error drop-column");
    await writeFile(file, original);
    expect((await runCli(["lint"], env)).code).toBe(0);
  });

  it("upgrade shows the pending findings in about 20 lines with a pointer to lint, and the baselined drop does not block", async () => {
    const dry = await runCli(["upgrade", "--dry-run", "--direct"], env);
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.split("\n");
    const start = lines.findIndex((l) => l.includes("Lint:"));
    const end = lines.findIndex((l) => l.includes("pnpm cli lint"));
    expect(start).toBeGreaterThan(0);
    expect(end - start).toBeLessThanOrEqual(20);
    expect(dry.stdout).toContain("… and 15 more.");
    expect(dry.stdout).toContain("3 migrations have no down file");
    expect(dry.stdout).not.toContain("error drop-column");

    const r = await runCli(["upgrade", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Upgraded");
  });

  it("an applied migration's errors never block upgrade off a terminal, baseline or not", async () => {
    // Without the baseline, the applied drop in 0005 is an error again for lint…
    await rm(path.join(dir, "tidemark.lint-baseline.json"));
    expect((await runCli(["lint"], env)).code).toBe(1);
    // …but upgrade only lints what it is about to apply.
    await append("0007_noop", "SELECT 1;", "SELECT 1;");
    const r = await runCli(["upgrade", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("Lint:");
  });
});
