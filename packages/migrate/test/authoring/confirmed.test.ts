import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/hash.js";
import { readMigrations } from "../../src/journal.js";
import { applyBaseline, BASELINE_FILE, lintMigrations, readBaseline } from "../../src/lint/index.js";
import { projectsPerTest, seedSchema } from "./project.js";

const { project } = projectsPerTest();

async function lintWithBaseline(dir: string, revision: string) {
  const migrations = await readMigrations(dir);
  return applyBaseline(
    await lintMigrations(migrations, { revisions: [revision] }),
    await readBaseline(dir),
    migrations,
  );
}

describe("create records what its author confirmed in the lint baseline", () => {
  it("a rename given as --rename is accepted for that exact file", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    const result = await p.create("Rename email", {
      renames: { columns: { "users.email": "email_address" } },
    });
    expect(result.baselined).toEqual(["rename-column"]);
    const up = await readFile(path.join(p.migrationsDir, `${result.revision}.sql`));
    expect((await readBaseline(p.migrationsDir)).entries).toEqual([
      { revision: result.revision, checksum: sha256(up), rules: ["rename-column"] },
    ]);
    const report = await lintWithBaseline(p.migrationsDir, result.revision as string);
    expect(report.errors).toBe(0);
    expect(report.baselined?.map((f) => f.rule)).toEqual(["rename-column"]);
  });

  it("a drop confirmed at the prompt is accepted, a finding nobody confirmed is not", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "contact" }));
    const result = await p.create("Replace email", {
      resolveRename: async () => ({ action: "create" }),
      confirmDrops: async () => {},
    });
    expect(result.upSql.join("\n")).toContain('DROP COLUMN "email"');
    expect(result.baselined).toEqual(["drop-column"]);
    const report = await lintWithBaseline(p.migrationsDir, result.revision as string);
    // The new NOT NULL column without a default was never asked about: it still counts.
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toContain("add-not-null-column-without-default");
    expect(rules).not.toContain("drop-column");
  });

  it("every drop let through with allowDrop (create --allow-drop) is accepted", async () => {
    const p = await project();
    await p.writeSchema(seedSchema().replace(/\n\s*avatarUrl: [^\n]+/, ""));
    const result = await p.create("Drop avatar url", { allowDrop: true });
    expect(result.baselined).toEqual(["drop-column"]);
    expect((await lintWithBaseline(p.migrationsDir, result.revision as string)).errors).toBe(0);
  });

  it("a drop nobody confirmed is refused and writes no baseline", async () => {
    const p = await project();
    await p.writeSchema(seedSchema().replace(/\n\s*avatarUrl: [^\n]+/, ""));
    await expect(p.create("Drop avatar url")).rejects.toMatchObject({ code: "TM_REFUSED" });
    expect(existsSync(path.join(p.migrationsDir, BASELINE_FILE))).toBe(false);
  });
});
