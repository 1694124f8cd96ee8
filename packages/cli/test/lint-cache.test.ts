import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { lintMigrations, readMigrations } from "@tidemark/migrate";
import { addMigration, copyMigrations, tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLintCache } from "../src/lint-cache.js";

const DROP = 'ALTER TABLE "users" DROP COLUMN "avatar_url";\n';
let cwd: { dir: string; cleanup: () => Promise<void> };
let dir: string;

beforeAll(async () => {
  cwd = await tempDir("tm-lint-cache-");
  await mkdir(path.join(cwd.dir, "node_modules"));
  dir = await copyMigrations(migrationsDir);
  await addMigration(dir, "0005_drop_avatar", DROP, "SELECT 1;\n");
});

afterAll(async () => {
  await cwd.cleanup();
});

/** Lint `revisions` through the cache the way upgrade does; says whether it had to parse. */
async function judged(revisions: string[]) {
  const migrations = await readMigrations(dir);
  const cache = await openLintCache(dir, migrations, cwd.dir);
  const hit = cache.lookup(revisions);
  if (hit) return { report: hit, parsed: false };
  const report = await lintMigrations(migrations, { revisions });
  await cache.store(report, revisions);
  return { report, parsed: true };
}

describe("lint verdicts cached by checksum", () => {
  it("gives back the recorded findings without parsing a file it has judged", async () => {
    const first = await judged(["0005_drop_avatar"]);
    expect(first.parsed).toBe(true);
    expect(first.report.findings.map((f) => f.rule)).toContain("drop-column");
    const again = await judged(["0005_drop_avatar"]);
    expect(again.parsed).toBe(false);
    expect(again.report).toEqual(first.report);
  });

  it("judges a file again once its content changed", async () => {
    await writeFile(path.join(dir, "0005_drop_avatar.sql"), `${DROP}-- reviewed\n`);
    expect((await judged(["0005_drop_avatar"])).parsed).toBe(true);
  });

  it("judges a file again when an earlier migration changed, since findings depend on it", async () => {
    const [first] = await readMigrations(dir);
    const file = first?.file as string;
    await writeFile(file, `-- edited\n${await readFile(file, "utf8")}`);
    expect((await judged(["0005_drop_avatar"])).parsed).toBe(true);
  });

  it("records nothing where the working directory has no node_modules", async () => {
    const bare = await tempDir("tm-lint-cache-bare-");
    try {
      const migrations = await readMigrations(dir);
      const cache = await openLintCache(dir, migrations, bare.dir);
      await cache.store(await lintMigrations(migrations, { revisions: ["0005_drop_avatar"] }), [
        "0005_drop_avatar",
      ]);
      expect((await openLintCache(dir, migrations, bare.dir)).lookup(["0005_drop_avatar"])).toBeNull();
    } finally {
      await bare.cleanup();
    }
  });
});
