import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { adminUrl, copyMigrations, createTempDatabase, dropDatabase } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdoptReport, adopt } from "../../src/adopt/adopt.js";
import { describeSchema } from "../../src/adopt/catalog.js";
import { unverifiedReason } from "../../src/adopt/marker.js";
import { proveDowns } from "../../src/adopt/prove.js";
import { describeDifferences } from "../../src/authoring/describe.js";
import { rollback } from "../../src/commands/rollback.js";
import { upgrade } from "../../src/commands/upgrade.js";
import { withDatabase } from "../../src/connection.js";
import { readMigrations } from "../../src/journal.js";
import { applyBaseline, BASELINE_FILE, lintMigrations, readBaseline } from "../../src/lint/index.js";
import { BREAKPOINT } from "../../src/statements.js";
import { testContext } from "../support.js";

const fixture = fileURLToPath(new URL("../../../testkit/fixtures/realistic-history", import.meta.url));

/** sha256 of every file of a folder, by relative path. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of ["", "meta"]) {
    for (const f of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      if (!f.isFile()) continue;
      const rel = path.join(sub, f.name);
      out.set(
        rel,
        createHash("sha256")
          .update(readFileSync(path.join(dir, rel)))
          .digest("hex"),
      );
    }
  }
  return out;
}

const dbs: string[] = [];
afterAll(async () => {
  for (const name of dbs) await dropDatabase(name);
});

describe("adopt on a realistic drizzle-kit history", () => {
  let dir: string;
  let before: Map<string, string>;
  let report: AdoptReport;

  beforeAll(async () => {
    dir = await copyMigrations(fixture);
    before = hashes(dir);
    const { ctx } = testContext(adminUrl, { migrationsDir: dir });
    report = await adopt(ctx);
  }, 180_000);

  it("reports the journal gap, the stray file, the missing snapshot and the files outside a transaction", () => {
    expect(report.migrations).toBe(36);
    expect(report.journalGaps).toEqual([8]);
    expect(report.strayFiles).toEqual(["0008_abandoned_backfill.sql"]);
    expect(report.missingSnapshots).toEqual(["0014_add_kind_3_value"]);
    expect(report.outsideTransaction).toEqual([
      "0013_posts_title_index_concurrently",
      "0023_drop_posts_title_index",
    ]);
    const kinds = new Set(report.uncaptured.map((u) => u.kind));
    for (const kind of [
      "CreateFunctionStmt",
      "CreateTrigStmt",
      "ViewStmt",
      "CreateExtensionStmt",
      "DoStmt",
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it("writes a down for every migration and never changes the files that were there", () => {
    expect(report.withoutDown).toHaveLength(36);
    expect(report.downs.map((d) => path.basename(d.file))).toEqual(
      report.withoutDown.map((t) => `${t}.down.sql`),
    );
    const after = hashes(dir);
    for (const [file, hash] of before) expect(after.get(file), file).toBe(hash);
    // 36 downs and the lint baseline.
    expect(after.size).toBe(before.size + 37);
    expect(after.has(BASELINE_FILE)).toBe(true);
  });

  it("proves most downs and marks the data change, the DO block and the missing snapshot unverified on their first line", async () => {
    const marked = report.downs.filter((d) => !d.proven).map((d) => d.revision);
    expect(marked).toEqual(
      expect.arrayContaining(["0011_seed_admin", "0014_add_kind_3_value", "0019_normalize_emails"]),
    );
    expect(report.downs.filter((d) => d.proven).length).toBeGreaterThanOrEqual(30);
    for (const d of report.downs) {
      const reason = unverifiedReason(await readFile(d.file, "utf8"));
      expect(reason, d.revision).toBe(d.proven ? null : (d.reason ?? null));
    }
    expect(report.downs.find((d) => d.revision === "0019_normalize_emails")?.reason).toMatch(/DO block/);
    expect(report.downs.find((d) => d.revision === "0011_seed_admin")?.reason).toMatch(/changes data/);
    expect(report.downs.find((d) => d.revision === "0015_index_t11_items_count")?.reason).toMatch(
      /previous snapshot \(meta\/0014_snapshot\.json\) is missing/,
    );
  });

  it("undoes a rename with a rename, a replaced function with its previous body, and a concurrent index concurrently", async () => {
    const down = (tag: string) => readFile(path.join(dir, `${tag}.down.sql`), "utf8");
    const rename = await down("0031_rename_users_c6");
    expect(rename).toContain('ALTER TABLE "users" RENAME COLUMN "r30_c6" TO "c6";');
    expect(rename).not.toMatch(/DROP COLUMN/);
    const replaced = await down("0016_touch_only_changed_rows");
    expect(replaced).toContain("NEW.updated_at := now();");
    expect(replaced).not.toMatch(/DROP FUNCTION/);
    const concurrent = await down("0013_posts_title_index_concurrently");
    expect(concurrent.split("\n")[0]).toBe("-- tidemark:no-transaction");
    expect(concurrent).toContain('DROP INDEX CONCURRENTLY IF EXISTS "posts_title_idx";');
  });

  it("every proven down restores the schema when the engine's own rollback runs it", async () => {
    const db = await createTempDatabase("tm_adopt");
    dbs.push(db.name);
    const { ctx } = testContext(db.url, { migrationsDir: dir });
    const proven = new Set(report.downs.filter((d) => d.proven).map((d) => d.revision));
    const migrations = await readMigrations(dir);
    let previous: string | null = null;
    for (const m of migrations) {
      if (proven.has(m.tag)) {
        const expected = await withDatabase(db.url, describeSchema);
        await upgrade(ctx, { to: m.tag });
        await rollback(ctx, { to: previous ?? "base", noBackup: true });
        const actual = await withDatabase(db.url, describeSchema);
        expect(describeDifferences(expected, actual), m.tag).toEqual([]);
      }
      await upgrade(ctx, { to: m.tag });
      previous = m.tag;
    }
  }, 180_000);

  it("a second run writes nothing and changes no file", async () => {
    const first = hashes(dir);
    const { ctx } = testContext(adminUrl, { migrationsDir: dir });
    const again = await adopt(ctx);
    expect(again.withoutDown).toEqual([]);
    expect(again.downs).toEqual([]);
    expect(again.wrote).toBe(false);
    expect(again.baselined).toBe(0);
    expect(hashes(dir)).toEqual(first);
  });

  it("check mode reports what is missing and writes nothing", async () => {
    const copy = await copyMigrations(fixture);
    const first = hashes(copy);
    const { ctx } = testContext(adminUrl, { migrationsDir: copy });
    const checked = await adopt(ctx, { check: true });
    expect(checked.withoutDown).toHaveLength(36);
    expect(checked.wrote).toBe(false);
    expect(hashes(copy)).toEqual(first);
  });

  it("accepts the adopted history's lint findings, so none of them is new any more", async () => {
    expect(report.baselined).toBeGreaterThan(0);
    const migrations = await readMigrations(dir);
    const all = await lintMigrations(migrations);
    expect(all.findings.length).toBeGreaterThan(0);
    const fresh = applyBaseline(all, await readBaseline(dir), migrations);
    expect(fresh.findings).toEqual([]);
  });

  it("a down with its last statement removed fails the proof (negative control)", async () => {
    const migrations = await readMigrations(dir);
    const steps = await Promise.all(
      migrations.map(async (m) => {
        const d = report.downs.find((x) => x.revision === m.tag);
        const up = await readFile(m.file, "utf8");
        const upOutside = report.outsideTransaction.includes(m.tag);
        if (!d?.proven || d.statements === 0) return { tag: m.tag, kind: m.kind, up, upOutside };
        const text = await readFile(d.file, "utf8");
        const parts = text.split(BREAKPOINT);
        return {
          tag: m.tag,
          kind: m.kind,
          up,
          upOutside,
          down: parts.length > 1 ? parts.slice(0, -1).join(BREAKPOINT) : "",
        };
      }),
    );
    const truncated = steps.filter((s) => s.down !== undefined).map((s) => s.tag);
    expect(truncated.length).toBeGreaterThanOrEqual(25);
    const results = await proveDowns(steps, { serverUrl: adminUrl, environment: "test" });
    for (const tag of truncated) expect(results.get(tag)?.proven, tag).toBe(false);
  }, 180_000);
});

describe("adopt on a history with COMMIT-escaped files and no snapshots", () => {
  it("applies every up the way the engine does, so each down is judged on its own reasons", async () => {
    const dir = await copyMigrations(
      fileURLToPath(new URL("../../../testkit/fixtures/escaped-history", import.meta.url)),
    );
    const { ctx } = testContext(adminUrl, { migrationsDir: dir });
    const report = await adopt(ctx);
    expect(report.outsideTransaction).toEqual([
      "0007_concurrent_indexes",
      "0011_process_events",
      "0013_reindex_vacuum",
    ]);
    expect(report.downs).toHaveLength(report.migrations);
    // Without snapshots nothing can be proven, and each down says so; none of them failed
    // because an escaped up could not be replayed (a multi-statement query is one transaction).
    for (const down of report.downs) {
      expect(down.proven).toBe(false);
      expect(down.reason).toMatch(/snapshot\.json is missing/);
      expect(down.reason).not.toMatch(/could not be checked/);
    }
  }, 120_000);
});
