import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { backup, MIGRATION_LOCK_KEY } from "@tidemark/migrate";
import { adminUrl, createTempDatabase, dropDatabase, eventually } from "@tidemark/testkit";
import { spawnCli } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { historyRows, migrateTo, schemaDump, setupContext, withSql } from "./support/database.js";
import { ADMIN_TOKEN, createScenario, http, type Scenario, useScenarios } from "./support/scenario.js";

const SECRET_LITERAL = "TOPSECRET-LITERAL-42";

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A scenario at the newest revision with rows in users, and a backup taken now. */
async function seeded(rows = 20): Promise<Scenario> {
  const s = await createScenario();
  await migrateTo(s.db.url, s.migrationsDir);
  await withSql(s.db.url, async (sql) => {
    await sql`insert into users (username, email)
      select 'u' || g, 'u' || g || '@example.com' from generate_series(1, ${rows}) g`;
  });
  return s;
}

async function userCount(url: string): Promise<number> {
  const [row] = await withSql(url, (sql) => sql<{ n: number }[]>`select count(*)::int as n from users`);
  return row?.n ?? -1;
}

/** A session idle in a transaction that has read `users`: it holds ACCESS SHARE until it ends. */
async function idleReader(url: string): Promise<{ pid: number; end: () => Promise<void> }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const conn = await sql.reserve();
  const [me] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  await conn.unsafe("begin");
  // Its last query, which pg_stat_activity shows, carries a literal that must never leak.
  await conn.unsafe(`select count(*) from users where username <> '${SECRET_LITERAL}'`);
  return {
    pid: me?.pid ?? 0,
    end: async () => {
      await conn.unsafe("rollback").catch(() => {});
      conn.release();
      await sql.end({ timeout: 1 });
    },
  };
}

/** Pid of the backend holding the migration lock in database `name`, if any. */
async function lockHolderPid(name: string): Promise<number | null> {
  return withSql(adminUrl, async (sql) => {
    const [row] = await sql<{ pid: number }[]>`
      select l.pid from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and l.granted and l.objid = ${MIGRATION_LOCK_KEY} and d.datname = ${name}`;
    return row?.pid ?? null;
  });
}

async function oldestBackup(dir: string): Promise<string> {
  const dumps = (await readdir(dir)).filter((n) => n.endsWith(".dump")).sort();
  return dumps[0] as string;
}

describe("case 13: restore under retention, table locks, a lost lock session and another database's dump", () => {
  useScenarios();
  const others: string[] = [];
  afterAll(async () => {
    await Promise.all(others.map((n) => dropDatabase(n)));
  });

  it("restores the oldest of BACKUP_KEEP dumps and keeps that dump and its sidecar", {
    timeout: 120_000,
  }, async () => {
    const s = await seeded();
    const keep = { BACKUP_KEEP: "3" };
    for (let i = 0; i < 3; i++) {
      const made = await s.cli(["backup", "--direct"], keep);
      expect(made.code, made.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 1100)); // distinct timestamps, so "oldest" is clear
    }
    const oldest = await oldestBackup(s.backupDir);
    await withSql(s.db.url, (sql) => sql`delete from users`);

    const run = await s.cli(["restore", oldest, "--yes", "--direct"], keep);
    expect(run.code, run.stderr).toBe(0);
    expect(await userCount(s.db.url)).toBe(20);
    const file = path.join(s.backupDir, oldest);
    expect(await exists(file)).toBe(true);
    expect(await exists(file.replace(/\.dump$/, ".json"))).toBe(true);
    // Nothing is left marking the dump as in use once the restore ended.
    expect((await readdir(s.backupDir)).filter((n) => n.endsWith(".inuse"))).toEqual([]);
  });

  it("gives up on a table lock after bounded retries, names the blocker without its literals, and changes nothing", {
    timeout: 120_000,
  }, async () => {
    const s = await seeded();
    expect((await s.cli(["backup", "--direct"])).code).toBe(0);
    const dump = await oldestBackup(s.backupDir);
    await withSql(s.db.url, (sql) => sql`delete from users where id > 10`);
    const schemaBefore = await schemaDump(s.db.url);
    const blocker = await idleReader(s.db.url);
    try {
      const run = await s.cli(["restore", dump, "--yes", "--direct", "--no-backup"], {
        TIDEMARK_LOCK_TIMEOUT_MS: "300",
        TIDEMARK_LOCK_RETRIES: "1",
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain("[TM_LOCK_TIMEOUT]");
      expect(run.stderr).toContain(`pid ${blocker.pid}`);
      expect(run.stderr).toContain("after 2 attempts");
      expect(run.stderr).toContain("$1");
      expect(run.stderr).not.toContain(SECRET_LITERAL);
      expect(await userCount(s.db.url)).toBe(10);
      expect(await schemaDump(s.db.url)).toBe(schemaBefore);
      expect(await lockHolderPid(s.db.name)).toBeNull();
      const failed = (await historyRows(s.db.url)).filter((r) => r.direction === "restore");
      expect(failed.map((r) => r.status)).toEqual(["failed"]);
      expect(failed[0]?.error).toContain("within lock_timeout");
      expect(JSON.stringify(failed)).not.toContain(SECRET_LITERAL);
    } finally {
      await blocker.end();
    }
  });

  it("stops a restore whose lock session was terminated (TM_SESSION_LOST), so two restores never both complete", {
    timeout: 120_000,
  }, async () => {
    const s = await seeded();
    expect((await s.cli(["backup", "--direct"])).code).toBe(0);
    const dump = await oldestBackup(s.backupDir);
    await withSql(s.db.url, (sql) => sql`delete from users where id > 5`);
    // pg_restore waits on the reader's lock; lock_timeout is long, so only the lost lock ends it.
    const blocker = await idleReader(s.db.url);
    const slow = { TIDEMARK_LOCK_TIMEOUT_MS: "60000" };
    const first = spawnCli(["restore", dump, "--yes", "--direct", "--no-backup"], s.env(slow));
    try {
      await eventually(
        () =>
          withSql(adminUrl, async (sql) => {
            const rows = await sql`select 1 from pg_stat_activity
              where datname = ${s.db.name} and application_name like 'tidemark-restore-%' and wait_event_type = 'Lock'`;
            return rows.length > 0;
          }),
        "pg_restore to wait for its table lock",
      );
      const holder = await lockHolderPid(s.db.name);
      expect(holder).not.toBeNull();
      await withSql(adminUrl, (sql) => sql`select pg_terminate_backend(${holder})`);
      const exit = await first.exited;
      expect(exit.code, first.output()).toBe(1);
      expect(first.output()).toContain("[TM_SESSION_LOST]");
      expect(first.output()).not.toContain("Restored");
    } finally {
      await blocker.end();
    }
    const second = await s.cli(["restore", dump, "--yes", "--direct", "--no-backup"]);
    expect(second.code, second.stderr).toBe(0);
    expect(await userCount(s.db.url)).toBe(20);
    const restores = (await historyRows(s.db.url)).filter((r) => r.direction === "restore");
    // Only the second restore completed; the first wrote nothing through a reconnected session.
    expect(restores.map((r) => r.status)).toEqual(["ok"]);
  });

  it("refuses another database's dump without --from-other-database, in the CLI and as a job", {
    timeout: 150_000,
  }, async () => {
    const s = await seeded(3);
    const other = await createTempDatabase("tm_faults_other");
    others.push(other.name);
    await migrateTo(other.url, s.migrationsDir);
    const foreign = await backup(setupContext(other.url, s.migrationsDir, s.backupDir), { label: "other" });
    const before = await schemaDump(s.db.url);

    const refused = await s.cli(["restore", foreign.name, "--yes", "--direct"]);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain("[TM_REFUSED]");
    expect(refused.stderr).toContain(`dumped from database ${other.name}`);
    expect(refused.stderr).toContain(`revision ${foreign.revision}`);
    expect(refused.stderr).toContain("--from-other-database");
    // The plan names where the dump came from before anything is asked.
    expect(refused.stdout).toContain(`from database ${other.name}`);
    expect(await userCount(s.db.url)).toBe(3);
    expect(await schemaDump(s.db.url)).toBe(before);

    await s.worker();
    const api = await s.api();
    const post = (payload: Record<string, unknown>) =>
      http(`${api.url}/migrations/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ name: "restore", payload }),
      });
    const job = await post({ file: foreign.name });
    expect(job.status, job.text).toBe(202);
    const view = await eventually(async () => {
      const r = await http(`${api.url}/migrations/jobs/${job.body.jobId}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return r.body.state === "failed" ? r.body : null;
    }, "the restore job to be refused");
    expect(view.errorCode).toBe("TM_REFUSED");
    expect(await userCount(s.db.url)).toBe(3);

    const allowed = await s.cli(["restore", foreign.name, "--yes", "--direct", "--from-other-database"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await userCount(s.db.url)).toBe(0);
  });
});
