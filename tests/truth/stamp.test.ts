import { createTempDatabase, dropDatabase, runSql as query } from "@tidemark/testkit";
import { runCli as cli } from "@tidemark/testkit/processes";
import { afterAll, describe, expect, it } from "vitest";

/** stamp says what it marks and forgets, never changes the schema, and status shows the mismatch. */

const dbs: string[] = [];

async function freshDb(): Promise<Record<string, string>> {
  const db = await createTempDatabase("tm_stamp");
  dbs.push(db.name);
  return { DATABASE_URL: db.url };
}

async function applied(url: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    "select count(*)::int as n from drizzle.__drizzle_migrations",
  );
  return row?.n ?? -1;
}

afterAll(async () => {
  await Promise.all(dbs.map(dropDatabase));
});

describe("stamp backwards", () => {
  it("lists what it would forget, says the schema is not changed, and refuses off a terminal without --yes", async () => {
    const env = await freshDb();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    const r = await cli(["stamp", "0001"], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("TM_REFUSED");
    expect(r.stdout).toContain("the schema is not changed");
    expect(r.stdout).toContain("Will forget 3 applied migrations");
    for (const tag of [
      "0002_increase_username_length",
      "0003_add_user_avatar_url",
      "0004_set_default_avatar_url",
    ]) {
      expect(r.stdout).toContain(`- ${tag}`);
    }
    expect(await applied(env.DATABASE_URL as string)).toBe(5);
  });

  it("is then reported by status as a schema that does not match the history, and fails status --check", async () => {
    const env = await freshDb();
    expect((await cli(["upgrade", "--direct", "--to", "0001"], env)).code).toBe(0);
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    const r = await cli(["stamp", "0001", "--yes"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("0 migrations marked applied, 3 forgotten. The schema was not changed.");
    expect(r.stdout).toContain("status shows the mismatch");

    const status = await cli(["status", "--json"], env);
    const report = JSON.parse(status.stdout) as {
      current: string;
      schemaDrift: { state: string; changes: { change: string; kind: string; name: string }[] };
    };
    expect(report.current).toBe("0001_add_categories_table");
    // 0001 was reached by a run before, so its recorded schema says exactly what differs.
    expect(report.schemaDrift.state).toBe("drifted");
    expect(report.schemaDrift.changes).toContainEqual(
      expect.objectContaining({ change: "added", kind: "column", name: "public.users.avatar_url" }),
    );
    expect(report.schemaDrift.changes).toContainEqual(
      expect.objectContaining({ change: "changed", kind: "column", name: "public.users.username" }),
    );
    const check = await cli(["status", "--check"], env);
    expect(check.code).toBe(1);
    expect(check.stdout).not.toContain("Up to date.");
  });

  it("without a schema recorded at the target, reports the history moved without a run", async () => {
    const env = await freshDb();
    expect((await cli(["upgrade", "--direct"], env)).code).toBe(0);
    expect((await cli(["stamp", "0000", "--yes"], env)).code).toBe(0);
    const status = await cli(["status"], env);
    expect(status.stdout).toContain("The history says 0000_create_users_table");
    expect(status.stdout).toContain("last recorded at 0004_set_default_avatar_url");
    expect(status.stdout).toContain("the schema is still exactly the one recorded there");
    expect(status.stdout).toContain(
      "table public.categories exists, but drizzle-kit's snapshot of 0000_create_users_table does not have it",
    );
  });
});

describe("stamp forwards", () => {
  it("says which tables the stamped migrations create that the database lacks, before asking", async () => {
    const env = await freshDb();
    const r = await cli(["stamp", "0001"], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("Will record as applied (2 migrations), without running them");
    expect(r.stdout).toContain(
      "The database lacks 2 tables that the migrations up to 0001_add_categories_table create: public.categories, public.users",
    );
  });

  it("records the live schema as the baseline, so status is clean afterwards", async () => {
    const env = await freshDb();
    await query(
      env.DATABASE_URL as string,
      `create table users (id serial primary key, username varchar(50) not null, email varchar(255) not null unique, created_at timestamp default now() not null);
       create table categories (id serial primary key, name varchar(50) not null);`,
    );
    const r = await cli(["stamp", "0001", "--yes"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("lacks");
    const status = JSON.parse((await cli(["status", "--json"], env)).stdout) as {
      schemaDrift: { state: string; recorded: { recordedBy: string } };
    };
    expect(status.schemaDrift).toMatchObject({ state: "clean", recorded: { recordedBy: "stamp" } });
  });
});
