import { existsSync, readdirSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir as seedDir } from "@tidemark/db";
import { copyMigrations, createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { previewRollback, rollback } from "../../src/commands/rollback.js";
import { status } from "../../src/commands/status.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { TidemarkError } from "../../src/errors.js";
import { testContext } from "../support.js";

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

/** A database at the seed history's head, a copy of its folder, and a backup directory. */
async function setup() {
  const db = await createTempDatabase("tm_unverified");
  dbs.push(db.name);
  const dir = await copyMigrations(seedDir);
  const backups = await tempDir("tm-unverified-backups-");
  const { ctx } = testContext(db.url, { migrationsDir: dir, backupDir: backups.dir });
  await upgrade(ctx);
  return { ctx, dir, backups: backups.dir };
}

async function markUnverified(dir: string, tag: string, reason: string): Promise<void> {
  const file = path.join(dir, `${tag}.down.sql`);
  await writeFile(file, `-- tidemark:unverified ${reason}\n${await readFile(file, "utf8")}`);
}

describe("rollback of downs that adopt could not prove", () => {
  it("is refused before any restore point is taken, naming the file, and changes nothing", async () => {
    const { ctx, dir, backups } = await setup();
    await markUnverified(dir, "0003_add_user_avatar_url", "changes data (UPDATE on line 2)");
    const err = await rollback(ctx, { to: "0002" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidemarkError);
    expect(err).toMatchObject({ code: "TM_DOWN_UNVERIFIED", exitCode: 3 });
    expect((err as Error).message).toContain("0003_add_user_avatar_url.down.sql");
    expect((err as Error).message).toContain("--accept-unverified");
    expect(readdirSync(backups)).toEqual([]);
    expect((await status(ctx)).current).toBe("0004_set_default_avatar_url");
  });

  it("runs with acceptUnverified, after a restore point", async () => {
    const { ctx, dir } = await setup();
    await markUnverified(dir, "0003_add_user_avatar_url", "not proven");
    const report = await rollback(ctx, { to: "0002", acceptUnverified: true });
    expect(report.steps.map((s) => s.revision)).toEqual([
      "0004_set_default_avatar_url",
      "0003_add_user_avatar_url",
    ]);
    expect(report.backupFile && existsSync(report.backupFile)).toBe(true);
    expect((await status(ctx)).current).toBe("0002_increase_username_length");
  });

  it("previews the refusal and its reason instead of the losses of a run that will not happen", async () => {
    const { ctx, dir } = await setup();
    await markUnverified(dir, "0003_add_user_avatar_url", "runs a DO block (line 4)");
    const preview = await previewRollback(ctx, "0002");
    expect(preview.refusal).toMatchObject({
      code: "TM_DOWN_UNVERIFIED",
      revisions: ["0003_add_user_avatar_url"],
    });
    expect(preview.unverified).toEqual([
      { revision: "0003_add_user_avatar_url", reason: "runs a DO block (line 4)" },
    ]);
    const accepted = await previewRollback(ctx, "0002", { acceptUnverified: true });
    expect(accepted.refusal).toBeUndefined();
    // A marker only counts on the first line: the same text further down is a plain comment.
    const file = path.join(dir, "0003_add_user_avatar_url.down.sql");
    await writeFile(
      file,
      `-- rolled back by hand\n${(await readFile(file, "utf8")).split("\n").slice(1).join("\n")}`,
    );
    expect((await previewRollback(ctx, "0002")).refusal).toBeUndefined();
  });

  it("previews a missing down file as a refusal too", async () => {
    const { ctx, dir } = await setup();
    await rm(path.join(dir, "0004_set_default_avatar_url.down.sql"));
    const preview = await previewRollback(ctx, "0003");
    expect(preview.refusal).toMatchObject({
      code: "TM_DOWN_MISSING",
      revisions: ["0004_set_default_avatar_url"],
    });
    await expect(rollback(ctx, { to: "0003" })).rejects.toMatchObject({ code: "TM_DOWN_MISSING" });
  });

  it("a down that fails names the restore point in a new error that keeps the original as its cause", async () => {
    const { ctx, dir } = await setup();
    await writeFile(path.join(dir, "0004_set_default_avatar_url.down.sql"), "SELECT no_such_function();\n");
    const err = (await rollback(ctx, { to: "0003" }).catch((e: unknown) => e)) as TidemarkError;
    expect(err).toBeInstanceOf(TidemarkError);
    expect(err.code).toBe("TM_MIGRATION_FAILED");
    expect(err.message).toMatch(/The restore point taken before this rollback is .*\.dump/);
    expect(err.cause).toBeInstanceOf(TidemarkError);
    expect((err.cause as Error).message).not.toContain("restore point");
    expect(err.details.backupFile).toEqual(expect.stringContaining(".dump"));
  });
});
