import { migrationsDir } from "@tidemark/db";
import { copyMigrations, createTempDatabase, dropDatabase } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upgrade } from "../src/commands/upgrade.js";
import type { ProgressEvent } from "../src/types.js";
import { addMigration, testContext } from "./support.js";

let db: { name: string; url: string };

beforeAll(async () => {
  db = await createTempDatabase();
});
afterAll(async () => {
  await dropDatabase(db.name);
});

describe("ctx.log of a TypeScript migration", () => {
  it("reaches the run's progress events and the engine's log, tagged with the revision", async () => {
    const dir = await copyMigrations(migrationsDir);
    await addMigration(
      dir,
      "0005_backfill_with_log",
      `export async function up(ctx) {
  ctx.log.info("backfilling users");
  ctx.log.warn({ rows: 0 }, "nothing to backfill");
  ctx.log.debug("only in the log");
}
export async function down() {}`,
      undefined,
      { ext: "ts" },
    );
    const { ctx, logger } = testContext(db.url, { migrationsDir: dir });
    const events: ProgressEvent[] = [];
    await upgrade(ctx, { onProgress: (e) => events.push(e) });
    const logs = events.filter((e) => e.type === "log");
    expect(logs).toEqual([
      { type: "log", revision: "0005_backfill_with_log", level: "info", message: "backfilling users" },
      { type: "log", revision: "0005_backfill_with_log", level: "warn", message: "nothing to backfill" },
    ]);
    // Between its step's start and end, in order.
    const types = events.map((e) =>
      e.type === "log" ? "log" : `${e.type}:${"revision" in e ? e.revision : ""}`,
    );
    const start = types.indexOf("step-start:0005_backfill_with_log");
    expect(types.slice(start, start + 4)).toEqual([
      "step-start:0005_backfill_with_log",
      "log",
      "log",
      "step-done:0005_backfill_with_log",
    ]);
    expect(logger.lines.filter((l) => l.revision === "0005_backfill_with_log").map((l) => l.msg)).toEqual(
      expect.arrayContaining(["backfilling users", "nothing to backfill", "only in the log"]),
    );
  });
});
