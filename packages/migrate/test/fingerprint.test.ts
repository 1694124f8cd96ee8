import { adminQuery, createTempDatabase, dropDatabase } from "@tidemark/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffObjects } from "../src/drift/drift.js";
import { readFingerprint } from "../src/drift/fingerprint.js";
import {
  assertSameDatabase,
  type DatabaseIdentity,
  databaseIdentity,
  sameDatabase,
} from "../src/identity.js";

let db: { name: string; url: string };
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTempDatabase("tm_fingerprint");
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql.end();
  await dropDatabase(db.name);
});

describe("the schema fingerprint", () => {
  it("covers triggers, leaves out extension objects and bookkeeping schemas, and hashes equal schemas equally", async () => {
    await sql.unsafe(`
      create extension if not exists pg_trgm;
      create schema tidemark; create table tidemark.noise (id int);
      create table posts (id int primary key, title text);
      create function touch() returns trigger language plpgsql as 'begin return new; end';
      create trigger posts_touch before update on posts for each row execute function touch();`);
    const first = await readFingerprint(sql);
    const names = first.objects.map((o) => `${o.kind} ${o.name}`);
    expect(names).toContain("trigger public.posts.posts_touch");
    expect(names).toContain("function public.touch()");
    expect(names.some((n) => n.includes("similarity"))).toBe(false);
    expect(names.some((n) => n.includes("noise"))).toBe(false);
    expect((await readFingerprint(sql)).hash).toBe(first.hash);
    await sql.unsafe("alter table posts alter column title set not null");
    expect((await readFingerprint(sql)).hash).not.toBe(first.hash);
  });

  it("folds the columns and constraints of an added or removed table into the table", () => {
    const before = [{ kind: "table" as const, name: "public.a", definition: "table" }];
    const after = [
      { kind: "table" as const, name: "public.b", definition: "table" },
      { kind: "column" as const, name: "public.b.id", definition: "integer" },
    ];
    expect(diffObjects(before, after)).toEqual([
      { change: "added", kind: "table", name: "public.b", after: "table" },
      { change: "removed", kind: "table", name: "public.a", before: "table" },
    ]);
  });
});

describe("database identity", () => {
  it("reads the server's system identifier, also for a database that does not exist yet", async () => {
    const [row] = await adminQuery<{ id: string }>(
      "select system_identifier::text as id from pg_control_system()",
    );
    const here = await databaseIdentity(db.url);
    expect(here).toMatchObject({ database: db.name, systemIdentifier: row?.id });
    const missing = await databaseIdentity(db.url.replace(db.name, `${db.name}_not_yet`));
    expect(missing).toMatchObject({ database: `${db.name}_not_yet`, systemIdentifier: row?.id });
  });

  it("tells databases apart by name and server, not by how the host is spelt", () => {
    const a: DatabaseIdentity = { host: "127.0.0.1", port: 5432, database: "app", systemIdentifier: "1" };
    expect(sameDatabase(a, { ...a, host: "localhost" })).toBe(true);
    expect(sameDatabase(a, { ...a, database: "other" })).toBe(false);
    expect(sameDatabase(a, { ...a, systemIdentifier: "2" })).toBe(false);
    expect(() => assertSameDatabase(a, { ...a, database: "other" })).toThrow(
      "This job is for database app on 127.0.0.1:5432 (server 1), but this worker serves other on 127.0.0.1:5432 (server 1)",
    );
  });
});
