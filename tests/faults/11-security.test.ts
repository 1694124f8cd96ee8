import { stat } from "node:fs/promises";
import { createMigrationsQueue } from "@tidemark/jobs";
import { addMigration, BROKEN_MIGRATION, eventually, redisUrl, rewriteMigration } from "@tidemark/testkit";
import { waitForReady } from "@tidemark/testkit/processes";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { historyRows } from "./support/database.js";
import { ADMIN_TOKEN, createScenario, http, useScenarios } from "./support/scenario.js";

/** The password in every DATABASE_URL of this case; trust auth accepts any, so it is only bait. */
const SECRET = "Sup3r-Secret-Pa55word";

function withPassword(url: string, port?: number): string {
  const u = new URL(url);
  u.password = SECRET;
  if (port) u.port = String(port);
  return u.toString();
}

/** Every value stored under a queue prefix (job payloads, failure reasons, stack traces, events). */
async function dumpQueue(prefix: string): Promise<string> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        if (type === "hash") out.push(JSON.stringify(await client.hgetall(key)));
        else if (type === "string") out.push(String(await client.get(key)));
        else if (type === "list") out.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === "set") out.push(JSON.stringify(await client.smembers(key)));
        else if (type === "zset") out.push(JSON.stringify(await client.zrange(key, 0, -1)));
        else if (type === "stream") out.push(JSON.stringify(await client.xrange(key, "-", "+")));
      }
    } while (cursor !== "0");
    return out.join("\n");
  } finally {
    client.disconnect();
  }
}

const json = (token?: string) => ({
  "content-type": "application/json",
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

describe("case 11: secrets, admin routes, backup file modes and hostile bodies", () => {
  useScenarios();

  it("never shows the DATABASE_URL password, guards admin routes, writes 0600 backups and rejects bad bodies", {
    timeout: 150_000,
  }, async () => {
    const s = await createScenario();
    await addMigration(s.migrationsDir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.up, BROKEN_MIGRATION.down);
    const secret = { DATABASE_URL: withPassword(s.db.url) };
    const seen: string[] = [];
    const record = <T extends { text?: string; stdout?: string; stderr?: string }>(r: T): T => {
      seen.push(r.text ?? "", r.stdout ?? "", r.stderr ?? "");
      return r;
    };

    await s.worker(secret);
    const api = await s.api(secret);
    const degraded = await eventually(async () => {
      const r = record(await http(`${api.url}/health/ready`));
      return r.status === 503 && r.body.failure ? r.body : null;
    }, "the broken migration to degrade the API");
    const failure = degraded.failure as { code: string; details: { jobId?: string } };
    expect(failure.code).toBe("TM_MIGRATION_FAILED");
    const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
    for (const route of ["/migrations/status", "/metrics", "/docs/json"]) {
      expect(record(await http(`${api.url}${route}`)).status).toBe(200);
    }
    expect(record(await http(`${api.url}/migrations/status`, admin)).status).toBe(200);
    expect(record(await http(`${api.url}/migrations/history`, admin)).status).toBe(200);
    expect(record(await http(`${api.url}/migrations/jobs/${failure.details.jobId}`, admin)).body.state).toBe(
      "failed",
    );
    for (const args of [["status"], ["history"], ["upgrade", "--yes"], ["restore", "../x.dump", "--yes"]]) {
      record(await s.cli(args, secret));
    }
    // Unreachable database: the connection error names host and database, not the password.
    const down = { DATABASE_URL: withPassword(s.db.url, 1) };
    const unreachable = record(await s.cli(["status"], down));
    expect(unreachable.stderr).toContain(`Cannot connect to PostgreSQL at 127.0.0.1:1/${s.db.name}`);
    const lost = await s.api(down);
    await eventually(async () => {
      const r = record(await http(`${lost.url}/health/ready`));
      return r.status === 503 && (r.body.failure as { code?: string } | null)?.code === "TM_DB_UNREACHABLE";
    }, "the API without a database to degrade");

    // Admin routes: no token, a wrong token → 401 with the stable shape, and nothing enqueued.
    const queue = createMigrationsQueue({ redisUrl, prefix: s.prefix });
    try {
      const total = async () => Object.values(await queue.counts()).reduce((a, b) => a + b, 0);
      const jobsBefore = await total();
      const body = JSON.stringify({ name: "rollback", payload: { to: "base" } });
      for (const token of [undefined, "wrong-token-0123456789abcdef"]) {
        const r = record(
          await http(`${api.url}/migrations/jobs`, { method: "POST", headers: json(token), body }),
        );
        expect(r.status).toBe(401);
        expect(r.body).toMatchObject({ error: { code: "TM_UNAUTHORIZED", message: expect.any(String) } });
      }
      expect(await total()).toBe(jobsBefore);

      // Hostile bodies on the admin route, with the right token: 4xx, stable shape, nothing enqueued.
      const hostile: [string, number, string][] = [
        [
          JSON.stringify({ name: "backup", payload: { label: "x".repeat(100_000) } }),
          413,
          "TM_PAYLOAD_TOO_LARGE",
        ],
        ['{"name": "backup", ', 400, "TM_BAD_REQUEST"],
        [JSON.stringify({ name: "drop-everything" }), 400, "TM_VALIDATION"],
        [JSON.stringify({ name: "rollback", payload: { to: "../../etc" } }), 400, "TM_PAYLOAD_INVALID"],
      ];
      for (const [payload, status, code] of hostile) {
        const r = record(
          await http(`${api.url}/migrations/jobs`, {
            method: "POST",
            headers: json(ADMIN_TOKEN),
            body: payload,
          }),
        );
        expect([r.status, r.body.error]).toMatchObject([status, { code, message: expect.any(String) }]);
      }
      expect(await total()).toBe(jobsBefore);

      // A backup through the admin route: dump and sidecar 0600 in a 0700 directory.
      const enqueued = record(
        await http(`${api.url}/migrations/jobs`, {
          method: "POST",
          headers: json(ADMIN_TOKEN),
          body: JSON.stringify({ name: "backup", payload: { label: "modes" } }),
        }),
      );
      expect(enqueued.status).toBe(202);
      const info = (await queue.awaitJob(String(enqueued.body.jobId), { timeoutMs: 30_000 })) as {
        file: string;
      };
      expect((await stat(info.file)).mode & 0o777).toBe(0o600);
      expect((await stat(info.file.replace(/\.dump$/, ".json"))).mode & 0o777).toBe(0o600);
      expect((await stat(s.backupDir)).mode & 0o777).toBe(0o700);

      // Fix the migration, upgrade through the admin route: the API turns ready, then domain routes.
      await rewriteMigration(s.migrationsDir, BROKEN_MIGRATION.tag, BROKEN_MIGRATION.fixed);
      const upgrade = JSON.stringify({ name: "upgrade" });
      const fix = record(
        await http(`${api.url}/migrations/jobs`, {
          method: "POST",
          headers: json(ADMIN_TOKEN),
          body: upgrade,
        }),
      );
      expect(fix.status).toBe(202);
      await waitForReady(api);
    } finally {
      await queue.close();
    }
    const users: [string, number, string][] = [
      [JSON.stringify({ username: "x".repeat(70_000), email: "a@example.com" }), 413, "TM_PAYLOAD_TOO_LARGE"],
      ["{not json", 400, "TM_BAD_REQUEST"],
      [JSON.stringify({ username: "ada", email: "not-an-email" }), 400, "TM_VALIDATION"],
      [JSON.stringify({ username: "ada", email: "ada@example.com", isAdmin: true }), 400, "TM_VALIDATION"],
    ];
    for (const [payload, status, code] of users) {
      const r = record(await http(`${api.url}/users`, { method: "POST", headers: json(), body: payload }));
      expect([r.status, r.body.error]).toMatchObject([status, { code, message: expect.any(String) }]);
    }
    expect(
      record(
        await http(`${api.url}/users`, {
          method: "POST",
          headers: json(),
          body: users[0]?.[0].replace(/x{70000}/, "ada"),
        }),
      ).status,
    ).toBe(201);

    // The grep: every process's output, every HTTP body, every queue value and the audit trail.
    const history = JSON.stringify(await historyRows(s.db.url));
    const everything = [...s.procs.map((p) => p.output()), ...seen, await dumpQueue(s.prefix), history].join(
      "\n",
    );
    // The grep is meaningful: the database was named, failures were told, and payloads were stored.
    expect(everything).toContain(`127.0.0.1:5432/${s.db.name}`);
    expect(everything).toContain("❌ Database initialization error");
    expect(everything).toContain("requestedBy");
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(encodeURIComponent(SECRET));
  });
});
