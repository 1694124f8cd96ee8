import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { isTidemarkError } from "../../src/errors.js";
import { sha256 } from "../../src/hash.js";
import { readMigrations } from "../../src/journal.js";
import {
  acceptFindings,
  applyBaseline,
  BASELINE_FILE,
  lintMigrations,
  readBaseline,
} from "../../src/lint/index.js";
import { historyFolders } from "./folders.js";

const folders = historyFolders();
afterAll(() => folders.cleanup());

const HISTORY = [
  `CREATE TABLE "a" ("id" integer, "v" text, "w" text);`,
  `ALTER TABLE "a" DROP COLUMN "v";`,
  `ALTER TABLE "a" RENAME COLUMN "w" TO "x";`,
];

describe("the lint baseline", () => {
  test("records accepted findings by the file's sha256 and rule, and moves them out of the findings", async () => {
    const migrations = await folders.write(HISTORY);
    const dir = path.dirname(migrations[0]?.file as string);
    const report = await lintMigrations(migrations);
    expect(report.errors).toBe(2);
    const drop = report.findings.filter((f) => f.rule === "drop-column");
    const written = await acceptFindings(dir, drop);
    expect(written).toEqual([
      {
        revision: "0001_m1",
        checksum: sha256(await readFile(migrations[1]?.file as string)),
        rules: ["drop-column"],
      },
    ]);
    const onDisk = JSON.parse(await readFile(path.join(dir, BASELINE_FILE), "utf8"));
    expect(onDisk.entries).toEqual(written);

    const filtered = applyBaseline(report, await readBaseline(dir), migrations);
    expect(filtered.findings.map((f) => f.rule)).toEqual(["rename-column"]);
    expect(filtered.baselined?.map((f) => `${f.revision} ${f.rule}`)).toEqual(["0001_m1 drop-column"]);
    expect([filtered.errors, filtered.warnings]).toEqual([1, 0]);
  });

  test("never lets a changed file inherit its old entry, and drops that entry on the next write", async () => {
    const migrations = await folders.write(HISTORY);
    const dir = path.dirname(migrations[0]?.file as string);
    await acceptFindings(dir, (await lintMigrations(migrations)).findings);
    const edited = migrations[1]?.file as string;
    await writeFile(edited, `ALTER TABLE "a" DROP COLUMN "v"; -- reviewed again\n`);
    const after = await readMigrations(dir);
    const report = applyBaseline(await lintMigrations(after), await readBaseline(dir), after);
    expect(report.findings.map((f) => `${f.revision} ${f.rule}`)).toEqual(["0001_m1 drop-column"]);
    expect(report.baselined?.map((f) => f.revision)).toEqual(["0002_m2"]);

    // Re-accepting what is still accepted rewrites the file without the stale entry.
    await acceptFindings(dir, report.baselined ?? []);
    const entries = (await readBaseline(dir)).entries;
    expect(entries.map((e) => e.revision)).toEqual(["0002_m2"]);
  });

  test("accumulates rules of one file across calls without duplicates", async () => {
    const migrations = await folders.write([
      `CREATE TABLE "a" ("id" integer, "v" text, "w" text);`,
      `ALTER TABLE "a" DROP COLUMN "v";\n--> statement-breakpoint\nALTER TABLE "a" RENAME COLUMN "w" TO "x";`,
    ]);
    const dir = path.dirname(migrations[0]?.file as string);
    const { findings } = await lintMigrations(migrations);
    await acceptFindings(
      dir,
      findings.filter((f) => f.rule === "rename-column"),
    );
    await acceptFindings(dir, findings);
    await acceptFindings(dir, findings);
    expect((await readBaseline(dir)).entries).toEqual([
      expect.objectContaining({ revision: "0001_m1", rules: ["drop-column", "rename-column"] }),
    ]);
  });

  test("a folder without a baseline has an empty one, and a broken file is a clear error", async () => {
    const migrations = await folders.write(HISTORY);
    const dir = path.dirname(migrations[0]?.file as string);
    expect(await readBaseline(dir)).toEqual({ entries: [] });
    await writeFile(path.join(dir, BASELINE_FILE), "{ not json");
    const err = await readBaseline(dir).catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_LINT_BASELINE_INVALID");
    expect((err as Error).message).toContain(path.join(dir, BASELINE_FILE));
    await writeFile(path.join(dir, BASELINE_FILE), JSON.stringify({ entries: [{ revision: 1 }] }));
    await expect(readBaseline(dir)).rejects.toMatchObject({ code: "TM_LINT_BASELINE_INVALID" });
  });
});
