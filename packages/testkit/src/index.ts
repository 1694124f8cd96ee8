import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

export * from "./migrations.js";

/** The server every test talks to. Override with TEST_PG_URL. */
export const adminUrl = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The Redis every test talks to. Override with TEST_REDIS_URL. */
export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Folder of a migrations fixture shipped with the testkit (`fixtures/<name>`), e.g. `escaped-history`. */
export function fixtureDir(name: string): string {
  // src/ and dist/ both sit one level below the package root, next to fixtures/.
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** A short random suffix for database names and queue prefixes. */
export function uniqueId(prefix = "tm"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** Connection string of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Run `fn` with a short-lived single-connection client on `url`, closed afterwards. */
export async function withSql<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Run one SQL text on `url` through a short-lived connection and return its rows. */
export async function runSql<T extends object = Record<string, unknown>>(
  url: string,
  query: string,
): Promise<T[]> {
  return withSql(url, async (sql) => (await sql.unsafe(query)) as unknown as T[]);
}

/** Run admin SQL on the maintenance database. */
export async function adminQuery<T extends object = Record<string, unknown>>(query: string): Promise<T[]> {
  return runSql<T>(adminUrl, query);
}

/** Create an empty throw-away database and return its name and URL. */
export async function createTempDatabase(prefix = "tm"): Promise<{ name: string; url: string }> {
  const name = uniqueId(prefix);
  await adminQuery(`CREATE DATABASE "${name}"`);
  return { name, url: databaseUrl(name) };
}

/** Drop a database, disconnecting anyone still attached. */
export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** A fresh database for `fn`, dropped afterwards whatever happens. */
export async function withTempDatabase<T>(fn: (db: { name: string; url: string }) => Promise<T>): Promise<T> {
  const db = await createTempDatabase();
  try {
    return await fn(db);
  } finally {
    await dropDatabase(db.name);
  }
}

/** Temp dirs made by this test file; the shared vitest setup removes them after the file. */
const madeDirs = new Set<string>();

/** Remove every temp dir this process made through the testkit (called after each test file). */
export function removeTempDirs(): void {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  madeDirs.clear();
}

/** Copy a migrations folder into a temp dir so a test can edit it; returns the copy's path. */
export async function copyMigrations(from: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "tm-migrations-"));
  madeDirs.add(dir);
  await cp(from, dir, { recursive: true });
  return dir;
}

/** A temp directory removed by the returned cleanup function. */
export async function tempDir(prefix = "tm-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  madeDirs.add(dir);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A unique BullMQ prefix so test files never see each other's queues. */
export function uniqueQueuePrefix(): string {
  return uniqueId(`tmq_${hostname().slice(0, 8)}`);
}

/** A pino-compatible logger that records events, for asserting on log lines. */
export function memoryLogger() {
  const lines: { level: string; msg?: string; [k: string]: unknown }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, ...obj, msg });
    };
  return { lines, info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

/** Delete every Redis key under a BullMQ prefix (a test file's queues), so runs leave nothing behind. */
export async function dropQueuePrefix(prefix: string, url = redisUrl): Promise<number> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * Poll `fn` until it returns a truthy value; fail with the last value seen after `timeoutMs`,
 * so a condition that never comes fails the test instead of hanging it.
 */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out waiting for ${what} (last: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
