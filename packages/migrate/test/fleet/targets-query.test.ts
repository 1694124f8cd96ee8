import { createTempDatabase, dropDatabase, runSql } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTargets } from "../../src/fleet/targets.js";
import { caught, problemsOf, targetsFile } from "./support.js";

let control: { name: string; url: string };

beforeAll(async () => {
  control = await createTempDatabase("tm_fleet");
  await runSql(
    control.url,
    `create table tenants (id int primary key, slug text, dsn text, secret_var text, active bool);
     insert into tenants values
       (1, 'acme', 'postgres://app@db1/acme', 'ACME_PW', true),
       (2, 'globex', 'postgres://app@db2/globex', null, true),
       (3, 'initech', 'postgres://app@db1/initech', null, false);`,
  );
});

afterAll(async () => {
  if (control) await dropDatabase(control.name);
});

const load = (query: string, file?: string) =>
  loadTargets({ query, controlDatabaseUrl: control.url, ...(file ? { file } : {}) });

describe("targets query", () => {
  it("reads name, url and password_env, ignoring other columns and leaving NULL password_env out", async () => {
    const targets = await load(
      "select id, slug as name, dsn as url, secret_var as password_env from tenants where active order by id",
    );
    expect(targets).toEqual([
      { name: "acme", url: "postgres://app@db1/acme", passwordEnv: "ACME_PW" },
      { name: "globex", url: "postgres://app@db2/globex" },
    ]);
  });

  it("works without a password_env column, and allows zero rows", async () => {
    expect(await load("select slug as name, dsn as url from tenants where id = 3")).toEqual([
      { name: "initech", url: "postgres://app@db1/initech" },
    ]);
    expect(await load("select slug as name, dsn as url from tenants where false")).toEqual([]);
  });

  it("validates the union of file and query together", async () => {
    const file = await targetsFile("fleet.json", [
      { name: "acme", url: "postgres://app@db9/other" },
      { name: "extra", url: "postgres://app@db3/extra" },
    ]);
    const query = "select slug as name, dsn as url from tenants order by id";
    const err = await caught(() => load(query, file));
    expect(problemsOf(err)).toEqual(['target "acme" is listed 2 times; names must be unique']);
    expect(err.message).toContain(file);
    expect(err.message).toContain(`TIDEMARK_TARGETS_QUERY on 127.0.0.1:5432/${control.name}`);
    const union = await load("select slug as name, dsn as url from tenants where id > 1 order by id", file);
    expect(union.map((t) => t.name)).toEqual(["acme", "extra", "globex", "initech"]);
  });

  it("validates rows like file entries, naming a bad name by row", async () => {
    const err = await caught(() =>
      load(
        "select * from (values ('ok', 'postgres://u:s3cret@h/a', null), ('bad name', 'postgres://h/b', 'lower')) v(name, url, password_env)",
      ),
    );
    expect(problemsOf(err)).toEqual([
      expect.stringContaining('target "ok": url postgres://u:***@h/a carries a password'),
      expect.stringMatching(/^rows\[1\]: name "bad name" must be/),
      expect.stringMatching(/^rows\[1\]: passwordEnv must be/),
    ]);
    expect(JSON.stringify(err.toJSON())).not.toContain("s3cret");
  });

  it("says which columns are missing", async () => {
    const err = await caught(() => load("select slug, dsn from tenants"));
    expect(problemsOf(err)).toEqual([expect.stringContaining("must return columns name and url")]);
    expect(problemsOf(err)[0]).toContain("returned slug, dsn");
  });

  it("reports an SQL error with PostgreSQL's message, and runs read-only", async () => {
    const missing = await caught(() => load("select name, url from no_such_table"));
    expect(problemsOf(missing)).toEqual(['the query failed: relation "no_such_table" does not exist']);
    const write = await caught(() =>
      load("insert into tenants values (9) returning slug as name, dsn as url"),
    );
    expect(problemsOf(write)[0]).toContain("read-only transaction");
    const rows = await runSql<{ n: number }>(control.url, "select count(*)::int as n from tenants");
    expect(rows).toEqual([{ n: 3 }]);
  });

  it("reports an unreachable control database as TM_DB_UNREACHABLE, without its password", async () => {
    const err = await caught(() =>
      loadTargets({
        query: "select 1",
        controlDatabaseUrl: "postgres://ctl:s3cret@127.0.0.1:1/control",
      }),
    );
    expect(err.code).toBe("TM_DB_UNREACHABLE");
    expect(err.message).toContain("control database at 127.0.0.1:1/control");
    expect(err.message).toContain("TIDEMARK_CONTROL_DATABASE_URL");
    expect(err.message).not.toContain("s3cret");
    const gone = await caught(() =>
      loadTargets({ query: "select 1", controlDatabaseUrl: `${control.url}_missing` }),
    );
    expect(gone.code).toBe("TM_DB_UNREACHABLE");
    expect(gone.message).toContain("does not exist");
  });
});
