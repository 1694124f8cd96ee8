import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { adminQuery, databaseUrl, uniqueId } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support.js";
import { folderContents, projectsPerTest, seedSchema } from "./project.js";

const { project } = projectsPerTest();

// A login role that may not create databases, for the scratch-database privilege check.
const role = uniqueId("tm_nocreatedb");
beforeAll(async () => {
  await adminQuery(`create role "${role}" login nocreatedb`);
});
afterAll(async () => {
  await adminQuery(`drop role if exists "${role}"`);
});

describe("create refuses bad input and writes nothing", () => {
  it("shows the loader's error for a schema that does not compile", async () => {
    const p = await project();
    await p.writeSchema(`${seedSchema()}\nexport const broken = ;\n`);
    const before = await folderContents(p.migrationsDir);
    const err = await failure(p.create("Add something"));
    expect(err.code).toBe("TM_GENERATE_FAILED");
    expect(err.message).toContain("does not compile");
    expect(err.message).toMatch(/schema\.ts:\d+:\d+/);
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it.each([
    ["an empty message", ""],
    ["a blank message", "   "],
    ["a message over 100 characters", "x".repeat(101)],
    ["a message without letters or digits", "!!!"],
  ])("rejects %s as a usage error", async (_what, message) => {
    const p = await project();
    await p.writeSchema(seedSchema({ email: "255" }));
    const before = await folderContents(p.migrationsDir);
    const err = await failure(p.create(message));
    expect(err.code).toBe("TM_USAGE");
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("names the two snapshots that share a parent, as drizzle-kit refuses them too", async () => {
    const p = await project();
    const file = path.join(p.migrationsDir, "meta/0003_snapshot.json");
    const sibling = JSON.parse(await readFile(path.join(p.migrationsDir, "meta/0002_snapshot.json"), "utf8"));
    const snapshot = JSON.parse(await readFile(file, "utf8"));
    snapshot.prevId = sibling.prevId;
    await writeFile(file, JSON.stringify(snapshot, null, 2));
    const err = await failure(p.create("Anything"));
    expect(err.code).toBe("TM_JOURNAL_INVALID");
    expect(err.message).toContain(file);
    expect(err.message).toContain("0002_increase_username_length");
  });

  it("names the migration file a journal entry points to when it is missing", async () => {
    const p = await project();
    const file = path.join(p.migrationsDir, "0003_add_user_avatar_url.sql");
    await rm(file);
    const err = await failure(p.create("Anything"));
    expect(err.code).toBe("TM_JOURNAL_INVALID");
    expect(err.message).toContain(file);
  });

  it("names a snapshot that has no journal entry when drizzle-kit would diff against it", async () => {
    const p = await project();
    const stray = path.join(p.migrationsDir, "meta/0007_snapshot.json");
    await writeFile(stray, await readFile(path.join(p.migrationsDir, "meta/0004_snapshot.json")));
    const err = await failure(p.create("Anything"));
    expect(err.code).toBe("TM_JOURNAL_INVALID");
    expect(err.message).toContain(stray);
  });

  it("refuses a down that cannot restore the schema the existing migrations build", async () => {
    const p = await project();
    // Hand-edited history: 0002 builds varchar(120) while its snapshot says varchar(100).
    const edited = path.join(p.migrationsDir, "0002_increase_username_length.sql");
    await writeFile(edited, (await readFile(edited, "utf8")).replace("varchar(100)", "varchar(120)"));
    await p.writeSchema(seedSchema().replace('"username", { length: 100 }', '"username", { length: 150 }'));
    const before = await folderContents(p.migrationsDir);
    const err = await failure(p.create("Widen username again"));
    expect(err.code).toBe("TM_GENERATE_FAILED");
    expect(err.message).toContain("does not restore the previous schema");
    expect(err.message).toContain("column:public.users.username");
    expect(await folderContents(p.migrationsDir)).toEqual(before);
    expect(p.logger.lines.some((l) => l.level === "warn" && /previous snapshot/.test(l.msg ?? ""))).toBe(
      true,
    );
  });

  it("says which privilege is missing when the scratch database cannot be created", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ email: "255" }));
    const before = await folderContents(p.migrationsDir);
    const scratchUrl = databaseUrl("postgres").replace("postgres@", `${role}@`);
    const err = await failure(p.create("Widen email", { scratchUrl }));
    expect(err.code).toBe("TM_DB_CREATE_FAILED");
    expect(err.message).toContain("CREATEDB");
    expect(err.message).toContain("TIDEMARK_SCRATCH_URL");
    expect(err.message).not.toMatch(/password/i);
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("names the URL it tried, password masked, when no PostgreSQL answers for the scratch database", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ email: "255" }));
    const before = await folderContents(p.migrationsDir);
    const scratchUrl = "postgres://someone:hunter2secret@127.0.0.1:1/nowhere";
    const err = await failure(p.create("Widen email", { scratchUrl }));
    expect(err.code).toBe("TM_DB_UNREACHABLE");
    expect(err.message).toContain("postgres://someone:***@127.0.0.1:1/nowhere");
    expect(err.message).toContain("TIDEMARK_SCRATCH_URL");
    expect(JSON.stringify(err.details)).not.toContain("hunter2secret");
    expect(err.message).not.toContain("hunter2secret");
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("refuses a schema file that exports no tables instead of dropping everything", async () => {
    const p = await project();
    await p.writeSchema("export const nothing = 1;\n");
    const err = await failure(p.create("Oops"));
    expect(err.code).toBe("TM_GENERATE_FAILED");
    expect(err.message).toContain("exports no tables");
  });

  it("rejects --custom together with --ts", async () => {
    const p = await project();
    const err = await failure(p.create("Both", { custom: true, ts: true }));
    expect(err.code).toBe("TM_USAGE");
  });
});
