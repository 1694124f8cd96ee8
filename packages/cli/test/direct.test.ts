import { existsSync } from "node:fs";
import path from "node:path";
import { createDb } from "@tidemark/db";
import type { HistoryRow, StatusReport } from "@tidemark/migrate";
import {
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
let backups: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTempDatabase("tm_cli");
  backups = await tempDir("tm-cli-backups-");
  env = { DATABASE_URL: db.url, BACKUP_DIR: backups.dir, TIDEMARK_QUEUE_PREFIX: queuePrefix };
});

afterAll(async () => {
  await dropQueuePrefix(queuePrefix);
  await dropDatabase(db.name);
  await backups.cleanup();
});

/** `status --json`, parsed. */
async function statusJson(): Promise<StatusReport> {
  const r = await runCli(["status", "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusReport;
}

/** Run one query on the test database. */
async function query(text: string): Promise<void> {
  const { sql } = createDb(db.url, { max: 1 });
  try {
    await sql.unsafe(text);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The steps build on each other: one database walks up the seed history and back down.
describe.sequential("direct mode against a real database", () => {
  it("reports the whole seed history as pending in status --json on an empty database", async () => {
    const report = await statusJson();
    expect(report.current).toBeNull();
    expect(report.upToDate).toBe(false);
    expect(report.pending[0]).toBe("0000_create_users_table");
    expect(report.pending).toContain("0004_set_default_avatar_url");
  });

  it("applies the seed history with upgrade --direct off a terminal, verifies it, and status says up to date", async () => {
    const r = await runCli(["upgrade", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Plan: (base) → 0004_set_default_avatar_url");
    expect(r.stdout).toContain("✔ [1/5] 0000_create_users_table");
    expect(r.stdout).toContain("Verified: applied migrations match the files on disk.");
    const report = await statusJson();
    expect(report.upToDate).toBe(true);
    expect(report.current).toBe("0004_set_default_avatar_url");
    const text = await runCli(["status", "--direct"], env);
    expect(text.stdout).toContain("Up to date.");
    expect(text.stdout).toMatch(/users\s+id, username, email, created_at, avatar_url/);
  });

  it("says there is nothing to do when upgrading an up-to-date database", async () => {
    const r = await runCli(["upgrade", "--direct", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ steps: [], from: "0004_set_default_avatar_url" });
  });

  it("refuses a rollback without --yes off a terminal (exit 3), after listing the data it would drop", async () => {
    await query(
      `INSERT INTO users (username, email, avatar_url) VALUES ('ada', 'ada@example.com', '/a.png'), ('bob', 'bob@example.com', '/b.png')`,
    );
    const r = await runCli(["rollback", "0002", "--direct"], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("column users.avatar_url (2 rows, by 0003_add_user_avatar_url)");
    expect(r.stderr).toContain("TM_REFUSED");
    expect(r.stderr).toContain("--yes");
    expect((await statusJson()).current).toBe("0004_set_default_avatar_url");
  });

  it("exits 2 on an unknown revision and lists the known ones", async () => {
    const r = await runCli(["rollback", "0099", "--yes", "--direct"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown revision "0099"');
    expect(r.stderr).toContain("0000_create_users_table");
    expect((await statusJson()).current).toBe("0004_set_default_avatar_url");
  });

  it("previews a rollback with --dry-run --json without changing anything", async () => {
    const r = await runCli(["rollback", "prev", "--dry-run", "--json", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    const preview = JSON.parse(r.stdout) as { to: string; steps: { tag: string }[] };
    expect(preview.to).toBe("0003_add_user_avatar_url");
    expect(preview.steps.map((s) => s.tag)).toEqual(["0004_set_default_avatar_url"]);
    expect((await statusJson()).current).toBe("0004_set_default_avatar_url");
  });

  it("rolls back with --yes, then prints the restore point and the command that brings the data back", async () => {
    const r = await runCli(["rollback", "0002", "--yes", "--direct"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Rolled back 0004_set_default_avatar_url → 0002_increase_username_length");
    const file = /Restore point: (\S+\.dump)/.exec(r.stdout)?.[1];
    expect(file).toBeDefined();
    expect(existsSync(path.resolve(backups.dir, file ?? ""))).toBe(true);
    expect(r.stdout).toContain(`pnpm cli restore ${path.basename(file ?? "")}`);
    expect((await statusJson()).current).toBe("0002_increase_username_length");
  });

  it("lists both directions in history --json, newest first", async () => {
    const r = await runCli(["history", "--json", "--limit", "3"], env);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as HistoryRow[];
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => [row.revision, row.direction])).toEqual([
      ["0003_add_user_avatar_url", "down"],
      ["0004_set_default_avatar_url", "down"],
      ["0004_set_default_avatar_url", "up"],
    ]);
    expect(rows[0]?.appliedBy).toMatchObject({ via: "cli" });
  });

  it("verifies cleanly (exit 0) while the files on disk match what was applied", async () => {
    const r = await runCli(["verify", "--direct"], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Verified");
  });
});
