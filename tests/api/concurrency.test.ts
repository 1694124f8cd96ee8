import { hostname } from "node:os";
import { migrationsDir } from "@tidemark/db";
import { upgrade } from "@tidemark/migrate";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  memoryLogger,
  redisUrl,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { type ApiProcess, spawnApi, spawnWorker, stopAll, waitForReady } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Eight API instances booting at once must share the migration, never repeat it. */

const INSTANCES = 8;
let db: { name: string; url: string };
const prefix = uniqueQueuePrefix();

beforeAll(async () => {
  db = await createTempDatabase("tm_e2e_eight");
  // A database part-way through its history: two applied, three pending.
  await upgrade(
    {
      databaseUrl: db.url,
      migrationsDir,
      environment: "test",
      actor: { via: "test", host: hostname(), pid: process.pid },
      logger: memoryLogger(),
    },
    { to: "0001" },
  );
});

afterAll(async () => {
  await stopAll();
  await dropDatabase(db.name);
  await dropQueuePrefix(prefix);
});

describe("eight APIs booting at once on a pending database", () => {
  it("apply each pending migration exactly once and all become ready", { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL: redisUrl, TIDEMARK_QUEUE_PREFIX: prefix };
    await spawnWorker(env);
    const apis: ApiProcess[] = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) => spawnApi(env, `api-${i}`)),
    );
    const ready = await Promise.all(apis.map((api) => waitForReady(api, 60_000)));
    for (const body of ready)
      expect(body).toMatchObject({ phase: "ready", revision: "0004_set_default_avatar_url" });
    for (const api of apis) expect(api.logged("✅ Database migrations completed")).toHaveLength(1);

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const history = await sql<{ revision: string; n: number }[]>`
        select revision, count(*)::int as n from tidemark.history
        where direction = 'up' and status = 'ok' group by revision order by revision`;
      expect(history).toEqual([
        { revision: "0000_create_users_table", n: 1 },
        { revision: "0001_add_categories_table", n: 1 },
        { revision: "0002_increase_username_length", n: 1 },
        { revision: "0003_add_user_avatar_url", n: 1 },
        { revision: "0004_set_default_avatar_url", n: 1 },
      ]);
      const failed = await sql`select 1 from tidemark.history where status = 'failed'`;
      expect(failed).toHaveLength(0);
      const [drizzle] = await sql<
        { n: number }[]
      >`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(drizzle?.n).toBe(5);
      // The three pending migrations ran in the worker, not in any API process.
      const runners = await sql<{ via: string }[]>`
        select distinct applied_by->>'via' as via from tidemark.history where revision >= '0002'`;
      expect(runners.map((r) => r.via)).toEqual(["worker"]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
