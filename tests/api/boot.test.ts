import { rm } from "node:fs/promises";
import { migrationsDir } from "@tidemark/db";
import {
  addMigration,
  BROKEN_MIGRATION,
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  rewriteMigration,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { spawnApi, spawnWorker, stopAll, waitForHealth, waitForReady } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";

/** End to end: the built API and worker as separate processes on real PostgreSQL and Redis. */

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
const dbs: string[] = [];
const prefixes: string[] = [];
const dirs: string[] = [];

async function setup(): Promise<{ env: Record<string, string>; url: string }> {
  const db = await createTempDatabase("tm_e2e_api");
  dbs.push(db.name);
  const prefix = uniqueQueuePrefix();
  prefixes.push(prefix);
  return { url: db.url, env: { DATABASE_URL: db.url, REDIS_URL: redisUrl, TIDEMARK_QUEUE_PREFIX: prefix } };
}

async function rows<T>(url: string, query: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(query)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function count(url: string, query: string): Promise<number> {
  const [row] = await rows<{ n: string }>(url, query);
  return Number(row?.n);
}

afterEach(stopAll);

afterAll(async () => {
  await stopAll();
  for (const name of dbs) await dropDatabase(name);
  for (const p of prefixes) await dropQueuePrefix(p);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("API boot, end to end", () => {
  it("migrates an empty database through the worker and serves /users", async () => {
    const { env, url } = await setup();
    await spawnWorker(env);
    const api = await spawnApi(env);
    const ready = await waitForReady(api);
    expect(ready).toMatchObject({ phase: "ready", revision: "0004_set_default_avatar_url" });

    expect(api.logged("🔄 Running database migrations...")).toHaveLength(1);
    const [done] = api.logged("✅ Database migrations completed");
    expect(done).toMatchObject({ upToDate: false, steps: 5 });
    expect(typeof done?.jobId).toBe("string");
    expect(await count(url, "select count(*) as n from drizzle.__drizzle_migrations")).toBe(5);

    const created = await api.fetch("/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ada", email: "ada@example.com" }),
    });
    expect(created.status).toBe(201);
    const list = (await (await api.fetch("/users")).json()) as { items: { username: string }[] };
    expect(list.items.map((u) => u.username)).toEqual(["ada"]);
  });

  it("migrates in-process with MIGRATE_ON_BOOT=inline and no worker at all", async () => {
    const { env, url } = await setup();
    const api = await spawnApi({ ...env, MIGRATE_ON_BOOT: "inline" });
    await waitForReady(api);
    expect(await count(url, "select count(*) as n from tidemark.history where status = 'ok'")).toBe(5);
    const [first] = await rows<{ applied_by: { via: string } }>(
      url,
      "select applied_by from tidemark.history limit 1",
    );
    expect(first?.applied_by.via).toBe("api");
  });

  it("serves a failed migration in degraded mode, and turns ready after the file is fixed and an upgrade is enqueued", async () => {
    const { env, url } = await setup();
    const dir = await copyMigrations(migrationsDir);
    dirs.push(dir);
    await addMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
    const full = { ...env, TIDEMARK_MIGRATIONS_DIR: dir, ADMIN_TOKEN };
    await spawnWorker(full);
    const api = await spawnApi(full);

    const degraded = await waitForHealth(
      api,
      (status) => status === 503 && api.logged("❌ Database initialization error").length > 0,
    );
    expect(degraded).toMatchObject({
      phase: "degraded",
      failure: { code: "TM_MIGRATION_FAILED", migration: BROKEN_MIGRATION.tag },
    });
    const [line] = api.logged("❌ Database initialization error");
    expect(line).toMatchObject({ code: "TM_MIGRATION_FAILED", migration: BROKEN_MIGRATION.tag });
    expect(String(line?.statement)).toContain("no_such_table");
    expect(String(line?.nextCommand)).toContain("pnpm cli upgrade");

    const status = (await (
      await api.fetch("/migrations/status", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      current: "0004_set_default_avatar_url",
      pending: [BROKEN_MIGRATION.tag],
      lastFailure: { revision: BROKEN_MIGRATION.tag, status: "failed" },
    });
    const users = await api.fetch("/users");
    expect(users.status).toBe(503);
    expect(((await users.json()) as { error: { code: string } }).error.code).toBe("TM_NOT_READY");

    await rewriteMigration(dir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.fixed);
    const enqueued = await api.fetch("/migrations/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: "upgrade" }),
    });
    expect(enqueued.status).toBe(202);
    const ready = await waitForReady(api);
    expect(ready).toMatchObject({ phase: "ready", revision: BROKEN_MIGRATION.tag });
    expect((await api.fetch("/users")).status).toBe(200);
    expect(
      await count(
        url,
        `select count(*) as n from tidemark.history where revision = '${BROKEN_MIGRATION.tag}' and status = 'ok'`,
      ),
    ).toBe(1);
  });

  it("answers 401 without or with a wrong token and enqueues nothing; bad bodies get 400 with the schema error", async () => {
    const { env } = await setup();
    const api = await spawnApi({ ...env, MIGRATE_ON_BOOT: "inline", ADMIN_TOKEN });
    await waitForReady(api);
    const counts = async () =>
      (
        (await (
          await api.fetch("/migrations/status", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).json()) as {
          queue: { counts: Record<string, number> };
        }
      ).queue.counts;
    const before = await counts();
    const post = (headers: Record<string, string>, body: unknown) =>
      api.fetch("/migrations/jobs", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });

    expect((await post({}, { name: "upgrade" })).status).toBe(401);
    expect(
      (await post({ authorization: "Bearer wrong-token-wrong-token" }, { name: "upgrade" })).status,
    ).toBe(401);
    expect(
      (await post({ authorization: `Basic ${ADMIN_TOKEN}` }, { name: "rollback", payload: { to: "base" } }))
        .status,
    ).toBe(401);
    expect(await counts()).toEqual(before);

    const bad = await post({ authorization: `Bearer ${ADMIN_TOKEN}` }, { name: "upgrade", payload: "all" });
    expect(bad.status).toBe(400);
    const error = (
      (await bad.json()) as { error: { code: string; message: string; details: { validation: unknown[] } } }
    ).error;
    expect(error.code).toBe("TM_VALIDATION");
    expect(error.message).toBe("body/payload must be object");
    expect(error.details.validation).toHaveLength(1);
    const user = await api.fetch("/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "" }),
    });
    expect(user.status).toBe(400);
    expect(((await user.json()) as { error: { code: string } }).error.code).toBe("TM_VALIDATION");
    expect(await counts()).toEqual(before);
    expect(api.output()).not.toContain(ADMIN_TOKEN);
  });

  it("shuts down cleanly on SIGTERM", async () => {
    const { env } = await setup();
    const api = await spawnApi({ ...env, MIGRATE_ON_BOOT: "inline" });
    await waitForReady(api);
    const { code } = await api.stop();
    expect(code).toBe(0);
    expect(api.logged("shutting down")).toHaveLength(1);
  });
});
