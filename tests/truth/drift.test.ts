import { createTempDatabase, dropDatabase, runSql as query, tempDir } from "@tidemark/testkit";
import { runCli as cli, spawnApi, stopAll, waitForReady } from "@tidemark/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Drift and failures are status details: only token holders see them (docs/security.md). */
const STATUS_TOKEN = "truth-status-token-0123456789";

/** Changes made to the schema outside migrations show up in status, verify and the API. */

interface Drift {
  state: string;
  recorded: { revision: string | null; recordedBy: string } | null;
  changes: { change: string; kind: string; name: string; before?: string; after?: string }[];
}

let db: { name: string; url: string };
let env: Record<string, string>;

async function schemaDrift(): Promise<Drift> {
  const r = await cli(["status", "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { schemaDrift: Drift }).schemaDrift;
}

beforeAll(async () => {
  db = await createTempDatabase("tm_drift");
  const backups = await tempDir("tm-drift-");
  env = { DATABASE_URL: db.url, BACKUP_DIR: backups.dir };
  const r = await cli(["upgrade", "--direct"], env);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await stopAll();
  await dropDatabase(db.name);
});

describe.sequential("schema drift", () => {
  it("reports a clean schema right after an upgrade, recorded by that run at its revision", async () => {
    const drift = await schemaDrift();
    expect(drift.state).toBe("clean");
    expect(drift.recorded).toMatchObject({ revision: "0004_set_default_avatar_url", recordedBy: "up" });
    const verify = await cli(["verify"], env);
    expect(verify.code, verify.stdout).toBe(0);
  });

  it("names what was added, removed and changed by hand, in status --json", async () => {
    await query(
      db.url,
      `alter table users add column nickname text;
       alter table categories alter column name set default 'misc';
       alter table users drop constraint users_email_unique;
       create type mood as enum ('ok', 'meh');
       create view user_names as select username from users;
       create function shout(t text) returns text language sql as 'select upper(t)';
       create index users_created_at_idx on users (created_at);`,
    );
    const drift = await schemaDrift();
    expect(drift.state).toBe("drifted");
    const seen = drift.changes.map((c) => `${c.change} ${c.kind} ${c.name}`).sort();
    expect(seen).toEqual(
      [
        "added column public.users.nickname",
        "changed column public.categories.name",
        "removed constraint public.users.users_email_unique",
        "added enum public.mood",
        "added view public.user_names",
        "added function public.shout(t text)",
        "added index public.users_created_at_idx",
      ].sort(),
    );
    const changed = drift.changes.find((c) => c.change === "changed");
    expect(changed?.before).toBe("character varying(50) not null");
    expect(changed?.after).toContain("default 'misc'");
  });

  it("makes verify fail and list the changes in text", async () => {
    const r = await cli(["verify"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("7 change(s) made outside migrations");
    expect(r.stdout).toContain("column public.users.nickname added outside migrations (text)");
    expect(r.stdout).toContain("constraint public.users.users_email_unique removed outside migrations");
  });

  it("shows the drift in status text instead of a bare 'Up to date'", async () => {
    const r = await cli(["status"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Up to date.");
    expect(r.stdout).toContain("No pending migrations.");
    expect(r.stdout).toContain("index public.users_created_at_idx added outside migrations");
  });

  it("serves the same drift on GET /migrations/status", async () => {
    const api = await spawnApi({ DATABASE_URL: db.url, MIGRATE_ON_BOOT: "inline", STATUS_TOKEN });
    await waitForReady(api);
    const body = (await (
      await api.fetch("/migrations/status", { headers: { authorization: `Bearer ${STATUS_TOKEN}` } })
    ).json()) as { schemaDrift: Drift };
    expect(body.schemaDrift.state).toBe("drifted");
    expect(body.schemaDrift.changes).toContainEqual(
      expect.objectContaining({
        change: "added",
        kind: "column",
        name: "public.users.nickname",
        after: "text",
      }),
    );
    await api.stop();
  });

  it("takes the schema a rollback leaves as the new baseline, and sees drift against it again", async () => {
    const down = await cli(["rollback", "prev", "--direct", "--yes", "--no-backup"], env);
    expect(down.code, down.stderr).toBe(0);
    let drift = await schemaDrift();
    expect(drift.state).toBe("clean");
    expect(drift.recorded).toMatchObject({ revision: "0003_add_user_avatar_url", recordedBy: "down" });
    await query(db.url, "drop view user_names");
    drift = await schemaDrift();
    expect(drift.changes).toEqual([
      expect.objectContaining({ change: "removed", kind: "view", name: "public.user_names" }),
    ]);
  });

  it("takes the schema a restore brings back as the new baseline", async () => {
    const taken = await cli(["backup", "--direct", "--json"], env);
    expect(taken.code, taken.stderr).toBe(0);
    const file = (JSON.parse(taken.stdout) as { file: string }).file;
    await query(db.url, "alter table users add column after_backup text");
    expect((await schemaDrift()).state).toBe("drifted");
    const restored = await cli(["restore", file, "--direct", "--yes", "--no-backup"], env);
    expect(restored.code, restored.stderr).toBe(0);
    const drift = await schemaDrift();
    expect(drift).toMatchObject({ state: "clean", recorded: { recordedBy: "restore" } });
  });
});
