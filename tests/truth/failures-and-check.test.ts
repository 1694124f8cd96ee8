import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import {
  addMigration,
  BROKEN_MIGRATION,
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  runSql as query,
  rewriteMigration,
} from "@tidemark/testkit";
import { runCli as cli, spawnApi, stopAll, waitForHealth } from "@tidemark/testkit/processes";
import { afterAll, describe, expect, it } from "vitest";

/** Drift and failures are status details: only token holders see them (docs/security.md). */
const STATUS_TOKEN = "truth-status-token-0123456789";

/** A failure is the current state only until something supersedes it; status --check gates CI. */

const dbs: string[] = [];

interface Status {
  lastFailure: { revision: string } | null;
  supersededFailure: { revision: string; supersededBecause: string } | null;
  check?: { ok: boolean; problems: string[] };
}

async function setup(): Promise<{ env: Record<string, string>; dir: string; url: string }> {
  const db = await createTempDatabase("tm_failure");
  dbs.push(db.name);
  const dir = await copyMigrations(migrationsDir);
  return { env: { DATABASE_URL: db.url, TIDEMARK_MIGRATIONS_DIR: dir }, dir, url: db.url };
}

async function status(env: Record<string, string>, ...flags: string[]) {
  const r = await cli(["status", "--json", ...flags], env);
  return { code: r.code, report: JSON.parse(r.stdout) as Status };
}

/** Drop the newest journal entry and its files, as `git revert` of the migration would. */
async function deleteNewest(dir: string, tag: string): Promise<void> {
  const file = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(file, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag !== tag);
  await writeFile(file, JSON.stringify(journal, null, 2));
}

afterAll(async () => {
  await stopAll();
  await Promise.all(dbs.map(dropDatabase));
});

describe("a failed migration in status", () => {
  it("is the current failure until fixed, then history once the fixed file is applied", async () => {
    const { env, dir } = await setup();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    await addMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(1);

    const failing = await status(env);
    expect(failing.report.lastFailure?.revision).toBe(BROKEN_MIGRATION.tag);
    expect((await cli(["status"], env)).stdout).toContain(`✖ Last failure: up ${BROKEN_MIGRATION.tag}`);

    await rewriteMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.fixed);
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    const fixed = await status(env);
    expect(fixed.report.lastFailure).toBeNull();
    expect(fixed.report.supersededFailure).toMatchObject({
      revision: BROKEN_MIGRATION.tag,
      supersededBecause: `${BROKEN_MIGRATION.tag} ran up successfully afterwards`,
    });
    const text = (await cli(["status"], env)).stdout;
    expect(text).toContain("✔ Up to date.");
    expect(text).not.toContain("Last failure");
    expect(text).toContain("Earlier failure, since superseded");
  });

  it("is history once the failed file is deleted, in the CLI and on GET /migrations/status", async () => {
    const { env, dir } = await setup();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    await addMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(1);
    await deleteNewest(dir, BROKEN_MIGRATION.tag);

    const after = await status(env, "--check");
    expect(after.code).toBe(0);
    expect(after.report.lastFailure).toBeNull();
    expect(after.report.supersededFailure?.supersededBecause).toBe(
      `${BROKEN_MIGRATION.tag} is no longer in the journal`,
    );
    const api = await spawnApi({ ...env, MIGRATE_ON_BOOT: "off", STATUS_TOKEN });
    await waitForHealth(api, (code) => code === 200);
    const body = (await (
      await api.fetch("/migrations/status", { headers: { authorization: `Bearer ${STATUS_TOKEN}` } })
    ).json()) as Status;
    expect(body.lastFailure).toBeNull();
    expect(body.supersededFailure?.revision).toBe(BROKEN_MIGRATION.tag);
    await api.stop();
  });
});

describe("status --check", () => {
  it("exits 0 on a database exactly as its migrations left it, in text and JSON", async () => {
    const { env } = await setup();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    const text = await cli(["status", "--check"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Check passed");
    const json = await status(env, "--check");
    expect(json.code).toBe(0);
    expect(json.report.check).toEqual({ ok: true, problems: [] });
  });

  it("exits 1 on pending migrations, with the problem in --json", async () => {
    const { env } = await setup();
    expect((await cli(["upgrade", "--direct", "--to", "0002"], env)).code).toBe(0);
    const json = await status(env, "--check");
    expect(json.code).toBe(1);
    expect(json.report.check?.problems).toEqual(["2 pending migrations"]);
    // Without --check, status reports and exits 0 whatever it finds.
    expect((await cli(["status"], env)).code).toBe(0);
  });

  it("exits 1 on a current failure, on schema drift and on an applied file changed on disk", async () => {
    const { env, dir, url } = await setup();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    await query(url, "alter table users add column nickname text");
    let json = await status(env, "--check");
    expect(json.code).toBe(1);
    expect(json.report.check?.problems).toEqual([
      "the schema drifted from the one recorded after the last run",
    ]);

    await query(url, "alter table users drop column nickname");
    await rewriteMigration(dir, "0004_set_default_avatar_url", "SELECT 1;\n");
    json = await status(env, "--check");
    expect(json.code).toBe(1);
    expect(json.report.check?.problems).toEqual([
      "0004_set_default_avatar_url changed on disk after it was applied",
    ]);

    const fresh = await setup();
    expect((await cli(["upgrade", "--direct"], fresh.env)).code).toBe(0);
    await addMigration(fresh.dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
    expect((await cli(["upgrade", "--direct"], fresh.env)).code).toBe(1);
    json = await status(fresh.env, "--check");
    expect(json.code).toBe(1);
    expect(json.report.check?.problems).toEqual([
      "1 pending migration",
      `the last up of ${BROKEN_MIGRATION.tag} failed`,
    ]);
  });
});
