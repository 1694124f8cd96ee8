import { createTempDatabase, dropDatabase, tempDir } from "@tidemark/testkit";
import { runCli as cli } from "@tidemark/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** --json failures are one JSON document on stdout; hints name commands as the user typed them. */

let db: { name: string; url: string };
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTempDatabase("tm_conventions");
  const backups = await tempDir("tm-conventions-");
  env = { DATABASE_URL: db.url, BACKUP_DIR: backups.dir };
});

afterAll(async () => {
  await dropDatabase(db.name);
});

interface ErrorDocument {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

function errorDocument(stdout: string): ErrorDocument {
  const doc = JSON.parse(stdout) as ErrorDocument;
  expect(Object.keys(doc).sort()).toEqual(["code", "details", "message"]);
  return doc;
}

describe("--json failures", () => {
  it("print the engine's error as one JSON document on stdout, with the same exit code", async () => {
    const r = await cli(["stamp", "9999", "--yes", "--json"], env);
    expect(r.code).toBe(2);
    expect(errorDocument(r.stdout).code).toBe("TM_UNKNOWN_REVISION");
  });

  it("print a refusal (exit 3) as a JSON document", async () => {
    const r = await cli(["stamp", "0001", "--json"], env);
    expect(r.code).toBe(3);
    expect(errorDocument(r.stdout).code).toBe("TM_REFUSED");
  });

  it("print an unreachable database as a JSON document without its password", async () => {
    const r = await cli(["history", "--json"], {
      ...env,
      DATABASE_URL: "postgres://postgres:s3cretpw@127.0.0.1:1/nowhere",
    });
    expect(r.code).toBe(1);
    const doc = errorDocument(r.stdout);
    expect(doc.code).toBe("TM_DB_UNREACHABLE");
    expect(r.stdout + r.stderr).not.toContain("s3cretpw");
  });

  it("print a usage error (exit 2) as a JSON document", async () => {
    const r = await cli(["status", "--json", "--no-such-flag"], env);
    expect(r.code).toBe(2);
    expect(errorDocument(r.stdout)).toMatchObject({
      code: "TM_USAGE",
      message: "unknown option '--no-such-flag'",
    });
  });

  it("print an invalid configuration as a JSON document", async () => {
    const r = await cli(["verify", "--json"], { ...env, BACKUP_KEEP: "zero" });
    expect(r.code).toBe(2);
    expect(errorDocument(r.stdout).code).toBe("TM_CONFIG_INVALID");
  });
});

describe("command hints", () => {
  it("say `tidemark backups` when the CLI was run as tidemark", async () => {
    const r = await cli(["restore", "no-such.dump", "--direct", "--yes"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("run `tidemark backups` to list");
    expect(r.stderr).not.toContain("pnpm cli");
  });

  it("say `pnpm cli backups` when run through the root package's cli script", async () => {
    const r = await cli(["restore", "no-such.dump", "--direct", "--yes"], {
      ...env,
      npm_lifecycle_event: "cli",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("run `pnpm cli backups` to list");
    expect(r.stderr).not.toContain("tidemark backups");
  });

  it("name the command as invoked in status hints and help examples", async () => {
    const plain = await cli(["status"], env);
    expect(plain.stdout).toContain("Apply them with: tidemark upgrade");
    const viaPnpm = await cli(["status"], { ...env, npm_lifecycle_event: "cli" });
    expect(viaPnpm.stdout).toContain("Apply them with: pnpm cli upgrade");
    const help = await cli(["status", "--help"], env);
    expect(help.stdout).toContain("$ tidemark status --check");
  });
});
