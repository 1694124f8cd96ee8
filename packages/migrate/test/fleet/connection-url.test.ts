import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import { findTarget, targetConnectionUrl } from "../../src/fleet/targets.js";
import type { FleetTarget } from "../../src/fleet/validate.js";
import { caught } from "./support.js";

const acme: FleetTarget = { name: "acme", url: "postgres://app@db1:5433/acme", passwordEnv: "ACME_PW" };

/** A password file with `lines`, mode 0600 unless told otherwise, as PGPASSFILE of the returned env. */
async function pgpass(lines: string[], mode = 0o600): Promise<Record<string, string>> {
  const { dir } = await tempDir("tm-pgpass-");
  const file = path.join(dir, "pgpass");
  await writeFile(file, `${lines.join("\n")}\n`);
  await chmod(file, mode);
  return { PGPASSFILE: file };
}

const password = (url: string) => decodeURIComponent(new URL(url).password);

describe("targetConnectionUrl: passwordEnv", () => {
  it("fills the password in from the named variable, encoded so the driver reads it back", () => {
    const secret = "p@ss:w/rd%41 ü";
    const url = targetConnectionUrl(acme, { ACME_PW: secret });
    expect(password(url)).toBe(secret);
    expect(new URL(url).host).toBe("db1:5433");
    expect(new URL(url).pathname).toBe("/acme");
  });

  it("fails with TM_TARGET_PASSWORD naming the target and the variable when it is missing or empty", async () => {
    for (const env of [{}, { ACME_PW: "" }]) {
      const err = await caught(() => targetConnectionUrl(acme, env));
      expect(err.code).toBe("TM_TARGET_PASSWORD");
      expect(err.message).toContain('"acme"');
      expect(err.message).toContain("ACME_PW");
      expect(err.details).toEqual({ target: "acme", passwordEnv: "ACME_PW" });
    }
  });

  it("prefers passwordEnv over a pgpass entry", async () => {
    const env = { ...(await pgpass(["db1:5433:acme:app:frompgpass"])), ACME_PW: "fromenv" };
    expect(password(targetConnectionUrl(acme, env))).toBe("fromenv");
  });
});

describe("targetConnectionUrl: pgpass", () => {
  const plain: FleetTarget = { name: "plain", url: "postgres://app@db1:5433/acme" };

  it("takes the first matching line, with * wildcards and escapes", async () => {
    const env = await pgpass([
      "# comment:*:*:*:never",
      "db2:*:*:*:wronghost",
      "db1:5432:*:*:wrongport",
      "db1:5433:other:app:wrongdb",
      "db1:5433:acme:\\*:literalstar",
      "db1:*:acme:app:a\\:b\\\\c:ignored",
      "*:*:*:*:fallback",
    ]);
    expect(password(targetConnectionUrl(plain, env))).toBe("a:b\\c");
    const other: FleetTarget = { name: "o", url: "postgres://someone@db9/x" };
    expect(password(targetConnectionUrl(other, env))).toBe("fallback");
  });

  it("matches defaults the way the driver connects: port 5432, database = user", async () => {
    const env = { ...(await pgpass(["db1:5432:app:app:defaults"])), HOME: "/nonexistent" };
    expect(password(targetConnectionUrl({ name: "d", url: "postgres://app@db1" }, env))).toBe("defaults");
  });

  it("leaves the URL unchanged with no matching line, no file, a readable-by-others file, or PGPASSWORD set", async () => {
    expect(targetConnectionUrl(plain, await pgpass(["db1:5433:acme:other:x"]))).toBe(plain.url);
    expect(targetConnectionUrl(plain, { PGPASSFILE: "/nonexistent/pgpass" })).toBe(plain.url);
    const open = await pgpass(["*:*:*:*:x"], 0o644);
    expect(targetConnectionUrl(plain, open)).toBe(plain.url);
    const matching = await pgpass(["*:*:*:*:x"]);
    expect(targetConnectionUrl(plain, { ...matching, PGPASSWORD: "env" })).toBe(plain.url);
    expect(password(targetConnectionUrl(plain, matching))).toBe("x");
  });
});

describe("findTarget", () => {
  const targets = ["a", "b", "c", "d", "e", "f", "g"].map((name) => ({ name, url: `postgres://h/${name}` }));

  it("finds by name", () => {
    expect(findTarget(targets, "c")).toBe(targets[2]);
  });

  it("fails with TM_TARGET_UNKNOWN listing a few known names", async () => {
    const err = await caught(() => findTarget(targets, "zz"));
    expect(err.code).toBe("TM_TARGET_UNKNOWN");
    expect(err.httpStatus).toBe(404);
    expect(err.message).toBe('No fleet target is named "zz"; known: a, b, c, d, e, … (7 in all).');
    expect((await caught(() => findTarget([], "a"))).message).toContain("the fleet has no targets");
  });
});
