import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { closeTestDatabases, createTestDatabase, type TestDatabase } from "@tidemark/migrate/testing";
import { adminUrl, tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath } from "./run-cli.js";

const tracer = new URL("./fixtures/trace-imports.mjs", import.meta.url).href;
let db: TestDatabase;
let traces: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  // A migrated copy of the seed history's template: no full apply for this file.
  db = await createTestDatabase({ migrationsDir, serverUrl: adminUrl });
  traces = await tempDir("tm-cli-trace-");
});

afterAll(async () => {
  await db.drop();
  await closeTestDatabases();
  await traces.cleanup();
});

/** Run the CLI with every resolved module recorded; returns its exit code and the module URLs. */
async function modulesLoadedBy(
  args: string[],
  name: string,
): Promise<{ code: number | null; urls: string[] }> {
  const file = path.join(traces.dir, `${name}.txt`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tracer, binPath, ...args], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, TRACE_IMPORTS_FILE: file },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
  const urls = (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);
  return { code, urls };
}

const loaded = (urls: string[], pattern: RegExp) => urls.filter((u) => pattern.test(u));

describe("what each command loads before it answers", () => {
  it("answers --version without loading the command tree", async () => {
    const { code, urls } = await modulesLoadedBy(["--version"], "version");
    expect(code).toBe(0);
    expect(loaded(urls, /commander|program\.js|@tidemark|packages\/migrate/)).toEqual([]);
  });

  it("prints the top-level --help from its precomputed text, without even commander", async () => {
    const { code, urls } = await modulesLoadedBy(["--help"], "help");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/top-help.js"))).toBe(true);
    expect(loaded(urls, /commander|program\.js|packages\/migrate|packages\/jobs|\/zod\/|\/pino\//)).toEqual(
      [],
    );
  });

  it("prints a command's --help without loading the engine, zod or pino", async () => {
    const { code, urls } = await modulesLoadedBy(["upgrade", "--help"], "command-help");
    expect(code).toBe(0);
    expect(urls.some((u) => u.includes("commander"))).toBe(true);
    expect(loaded(urls, /packages\/migrate|packages\/jobs|\/zod\/|\/pino\/|run\.js$/)).toEqual([]);
  });

  it("runs status on an up-to-date database without the SQL parser, drizzle, BullMQ or the other commands", async () => {
    const { code, urls } = await modulesLoadedBy(["status"], "status");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/migrate/dist/commands/status.js"))).toBe(true);
    expect(
      loaded(urls, /libpg-query|drizzle-kit|drizzle-orm|bullmq|ioredis|@clack|migrate\/dist\/index\.js/),
    ).toEqual([]);
    expect(loaded(urls, /commands\/(?!status)\w+\.run\.js$/)).toEqual([]);
  });
});
