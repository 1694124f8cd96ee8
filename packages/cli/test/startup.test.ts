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

const packageDir = new URL("../", import.meta.url);

/** The source modules each chunk of the bundle holds (scripts/bundle.mjs writes the metafile). */
async function chunkInputs(): Promise<Map<string, string[]>> {
  const meta = JSON.parse(await readFile(new URL("dist/bundle-meta.json", packageDir), "utf8")) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return new Map(
    Object.entries(meta.outputs).map(([output, { inputs }]) => [
      new URL(output, packageDir).href,
      Object.keys(inputs).map((input) => new URL(input, packageDir).href),
    ]),
  );
}

/**
 * Run the CLI with every resolved module recorded; returns its exit code and the URLs of the
 * modules it loaded: a chunk of the bundle stands for the source modules bundled into it.
 */
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
  const resolved = (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);
  const chunks = await chunkInputs();
  const dist = new URL("dist/", packageDir).href;
  const urls = [...new Set(resolved)].flatMap((url) => {
    if (!url.startsWith(dist)) return [url];
    const inputs = chunks.get(url);
    if (!inputs) throw new Error(`${url} is not in dist/bundle-meta.json: rebuild the CLI`);
    return inputs;
  });
  return { code, urls };
}

const loaded = (urls: string[], pattern: RegExp) => urls.filter((u) => pattern.test(u));

describe("what each command loads before it answers", () => {
  it("answers --version without loading the command tree", async () => {
    const { code, urls } = await modulesLoadedBy(["--version"], "version");
    expect(code).toBe(0);
    expect(urls.filter((u) => !u.startsWith("node:"))).toEqual([new URL("src/bin.ts", packageDir).href]);
  });

  it("prints the top-level --help from its precomputed text, without even commander", async () => {
    const { code, urls } = await modulesLoadedBy(["--help"], "help");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/src/top-help.ts"))).toBe(true);
    expect(loaded(urls, /commander|program\.ts|packages\/migrate|packages\/jobs|\/zod\/|\/pino\//)).toEqual(
      [],
    );
  });

  it("prints a command's --help without loading the engine, zod or pino", async () => {
    const { code, urls } = await modulesLoadedBy(["upgrade", "--help"], "command-help");
    expect(code).toBe(0);
    expect(urls.some((u) => u.includes("commander"))).toBe(true);
    expect(loaded(urls, /packages\/migrate|packages\/jobs|\/zod\/|\/pino\/|run\.ts$/)).toEqual([]);
  });

  it("runs status on an up-to-date database without the SQL parser, drizzle, BullMQ, pino, commander or the other commands", async () => {
    const { code, urls } = await modulesLoadedBy(["status"], "status");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/migrate/dist/commands/status.js"))).toBe(true);
    expect(
      loaded(
        urls,
        /libpg-query|drizzle-kit|drizzle-orm|bullmq|ioredis|@clack|\/pino\/|commander|program\.ts|migrate\/dist\/index\.js/,
      ),
    ).toEqual([]);
    expect(loaded(urls, /commands\/(?!status)[\w-]+\.run\.ts$/)).toEqual([]);
  });

  it("answers upgrade on an up-to-date database without the SQL parser, the whole engine or the queue", async () => {
    const { code, urls } = await modulesLoadedBy(["upgrade", "--direct", "--yes"], "upgrade");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/migrate/dist/commands/upgrade.js"))).toBe(true);
    expect(
      loaded(
        urls,
        /libpg-query|drizzle-kit|drizzle-orm|bullmq|ioredis|migrate\/dist\/index\.js|jobs\/dist\/(index|contract)\.js/,
      ),
    ).toEqual([]);
    expect(loaded(urls, /commands\/(?!upgrade)[\w-]+\.run\.ts$/)).toEqual([]);
  });
});
