import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const PASSWORD = "s3cr3t-pw";

describe("a bad or unreachable DATABASE_URL", () => {
  it("names host, port and database but never the password when the server refuses connections", async () => {
    const r = await runCli(["status"], { DATABASE_URL: `postgres://alice:${PASSWORD}@127.0.0.1:1/appdb` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("127.0.0.1:1/appdb");
    expect(r.stderr).toContain("TM_DB_UNREACHABLE");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it("names the unknown host for upgrade --direct and never prints the password", async () => {
    const r = await runCli(["upgrade", "--direct", "--yes"], {
      DATABASE_URL: `postgres://alice:${PASSWORD}@nonexistent.invalid:5432/appdb`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nonexistent.invalid:5432/appdb");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it("keeps the password out of the output when authentication fails", async () => {
    const r = await runCli(["rollback", "prev", "--direct", "--yes"], {
      DATABASE_URL: `postgres://no_such_role_tm:${PASSWORD}@127.0.0.1:5432/appdb`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("127.0.0.1:5432/appdb");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it("rejects a DATABASE_URL that is not a postgres URL as a usage error (exit 2) without echoing it", async () => {
    const r = await runCli(["history"], { DATABASE_URL: `alice:${PASSWORD}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("DATABASE_URL");
    expect(r.stdout + r.stderr).not.toContain(PASSWORD.slice(1));
  });
});
