// Apply and roll back the 200-migration corpus: Tidemark vs psql -1 -f (the floor), drizzle-orm's
// migrate() and node-pg-migrate, all in the same run; plus the boot-time up-to-date check.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkUpToDate, readMigrations, rollback, upgrade } from "@tidemark/migrate";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { best, exec, generateCorpus, percentile, repoRoot, report, tempDb, time } from "./support.mjs";

const RUNS = 3;
const ROUNDS = 5;

/** Best time of each contender over `rounds` rounds, each run on a fresh database, in turns. */
async function interleaved(rounds, contenders) {
  const bestOf = Object.fromEntries(Object.keys(contenders).map((k) => [k, Number.POSITIVE_INFINITY]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const db = await tempDb();
      try {
        bestOf[name] = Math.min(bestOf[name], await time(() => fn(db)));
      } finally {
        await db.drop();
      }
    }
  }
  return bestOf;
}
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function ctxFor(url, dir) {
  return {
    databaseUrl: url,
    migrationsDir: dir,
    environment: "bench",
    actor: { via: "test", host: "bench", pid: process.pid },
    logger: silent,
  };
}

async function downScript(dir) {
  const migrations = await readMigrations(dir);
  const parts = [];
  for (const m of [...migrations].reverse()) {
    parts.push((await readFile(m.downFile, "utf8")).replaceAll("--> statement-breakpoint", ""));
  }
  const file = path.join(dir, "..", "all.down.sql");
  await writeFile(file, parts.join("\n"));
  return file;
}

export async function run() {
  const out = await mkdtemp(path.join(tmpdir(), "tm-corpus-"));
  await generateCorpus(200, out);
  const dir = path.join(out, "drizzle");
  const allSql = path.join(out, "all.sql");
  const allDown = await downScript(dir);
  const drop = (db) => db.drop();

  const npmBin = path.join(repoRoot, "bench", "node_modules", ".bin", "node-pg-migrate");
  // Contenders take turns, round after round, so a slow moment of the machine hits all alike.
  const { psqlUp, drizzleUp, npmUp, tidemarkUp } = await interleaved(ROUNDS, {
    psqlUp: (db) => exec("psql", ["-q", "-X", "-1", "-v", "ON_ERROR_STOP=1", "-f", allSql, db.url]),
    drizzleUp: async (db) => {
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      await migrate(drizzle(sql), { migrationsFolder: dir });
      await sql.end();
    },
    npmUp: (db) =>
      exec(
        npmBin,
        ["up", "-m", path.join(out, "npm"), "--migration-file-language", "sql", "--no-check-order"],
        {
          env: { ...process.env, DATABASE_URL: db.url },
        },
      ),
    tidemarkUp: (db) => upgrade(ctxFor(db.url, dir)),
  });

  report("apply 200 migrations (tidemark)", tidemarkUp, "ms", psqlUp, "psql -1 -f");
  report("apply 200 migrations (tidemark)", tidemarkUp, "ms", drizzleUp, "drizzle-orm migrate()");
  report("apply 200 migrations (tidemark)", tidemarkUp, "ms", npmUp, "node-pg-migrate up");
  report("apply 200 migrations (drizzle-orm migrate())", drizzleUp, "ms", psqlUp, "psql -1 -f");

  const migrated = async () => {
    const db = await tempDb();
    await exec("psql", ["-q", "-X", "-1", "-v", "ON_ERROR_STOP=1", "-f", allSql, db.url]);
    return db;
  };
  const psqlDown = await best(
    RUNS,
    migrated,
    (db) => exec("psql", ["-q", "-X", "-1", "-v", "ON_ERROR_STOP=1", "-f", allDown, db.url]),
    drop,
  );
  const tidemarkDown = await best(
    RUNS,
    async () => {
      const db = await tempDb();
      await upgrade(ctxFor(db.url, dir));
      return db;
    },
    (db) => rollback(ctxFor(db.url, dir), { to: "base", noBackup: true }),
    drop,
  );
  report("roll back 200 migrations (tidemark)", tidemarkDown, "ms", psqlDown, "psql -1 -f of the downs");

  // Boot check: in-process, on the API's pool, against an up-to-date database.
  const db = await tempDb();
  try {
    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    const ctx = { ...ctxFor(db.url, dir), sql };
    await upgrade(ctx);
    const samples = [];
    const roundTrips = [];
    for (let i = 0; i < 200; i++) {
      samples.push(await time(() => checkUpToDate(ctx)));
      roundTrips.push(await time(() => sql`select 1`));
    }
    await sql.end();
    const p50 = percentile(samples, 50);
    report(
      "up-to-date check at boot, 200 migrations, p50",
      p50,
      "ms",
      percentile(roundTrips, 50),
      "select 1 round trip",
    );
    console.log(
      `up-to-date check at boot, 200 migrations, p99: ${percentile(samples, 99).toFixed(2)} ms (target ≤ 5 ms)`,
    );
  } finally {
    await db.drop();
  }
}
