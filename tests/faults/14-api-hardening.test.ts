import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { QUEUE_NAME } from "@tidemark/jobs";
import { eventually } from "@tidemark/testkit";
import { apiMain, assertBuilt, childEnv } from "@tidemark/testkit/processes";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { historyRows, migrateTo } from "./support/database.js";
import { ownRedis } from "./support/redis.js";
import { ADMIN_TOKEN, createScenario, http, useScenarios } from "./support/scenario.js";

const STATUS_TOKEN = "faults-status-token-0123456789abcdef";
const SECRET_LITERAL = "TOPSECRET-LITERAL-42";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Start the built API with `env` and wait for it to exit (it must refuse to start). */
function refusedStart(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; out: string }> {
  assertBuilt(apiMain);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [apiMain], {
      env: childEnv({ PORT: "0", ...env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("case 14: what anonymous callers can learn or break through the API", () => {
  useScenarios();

  it("serves strangers a status summary only, guards history and jobs, and never shows other sessions' literals", {
    timeout: 150_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir, "0002_increase_username_length");
    // A reader idle in a transaction on users: 0003's ALTER TABLE times out behind it.
    const blocker = postgres(s.db.url, { max: 1, onnotice: () => {} });
    const conn = await blocker.reserve();
    await conn.unsafe("begin");
    await conn.unsafe(`select count(*) from users where email <> '${SECRET_LITERAL}'`);
    try {
      await s.worker({ TIDEMARK_LOCK_TIMEOUT_MS: "200", TIDEMARK_LOCK_RETRIES: "0" });
      const api = await s.api({ STATUS_TOKEN });
      const ready = await eventually(async () => {
        const r = await http(`${api.url}/health/ready`);
        return r.status === 503 && r.body.failure ? r : null;
      }, "the boot migration to time out on its table lock");
      expect(ready.text).toContain("TM_LOCK_TIMEOUT");
      expect(ready.text).not.toContain(SECRET_LITERAL);

      const anonymous = await http(`${api.url}/migrations/status`);
      expect(anonymous.status).toBe(200);
      expect(Object.keys(anonymous.body).sort()).toEqual([
        "boot",
        "current",
        "latest",
        "pending",
        "upToDate",
      ]);
      expect(anonymous.body).toMatchObject({ current: "0002_increase_username_length", upToDate: false });
      // Degraded, or already retrying in the background: only the phase is shown either way.
      expect(Object.keys(anonymous.body.boot as object)).toEqual(["phase"]);
      expect(["degraded", "migrating"]).toContain((anonymous.body.boot as { phase: string }).phase);
      for (const token of [STATUS_TOKEN, ADMIN_TOKEN]) {
        const full = await http(`${api.url}/migrations/status`, { headers: bearer(token) });
        expect(full.body).toHaveProperty("tables");
        expect(full.body).toHaveProperty("lastFailure");
        expect(full.text).not.toContain(SECRET_LITERAL);
      }
      const wrong = await http(`${api.url}/migrations/status`, { headers: bearer(`${STATUS_TOKEN}x`) });
      expect(Object.keys(wrong.body)).not.toContain("tables");

      const jobId = (ready.body.failure as { details: { jobId: string } }).details.jobId;
      for (const route of ["/migrations/history", `/migrations/jobs/${jobId}`]) {
        const r = await http(`${api.url}${route}`);
        expect(r.status, route).toBe(401);
        expect(r.body).toMatchObject({ error: { code: "TM_UNAUTHORIZED" } });
      }
      const history = await http(`${api.url}/migrations/history`, { headers: bearer(STATUS_TOKEN) });
      expect(history.status).toBe(200);
      expect(history.text).not.toContain(SECRET_LITERAL);
      const stored = await historyRows(s.db.url);
      const failed = stored.find((r) => r.status === "failed");
      expect(failed?.error).toContain("$1");
      expect(JSON.stringify(stored)).not.toContain(SECRET_LITERAL);
      expect(s.procs.map((p) => p.output()).join("\n")).not.toContain(SECRET_LITERAL);
    } finally {
      await conn.unsafe("rollback");
      conn.release();
      await blocker.end({ timeout: 1 });
    }
  });

  it("answers 404 for queue key names used as job ids, bounds pages and rate-limits database reads", {
    timeout: 120_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const api = await s.api({ STATUS_TOKEN, RATE_LIMIT_PER_MINUTE: "40", MIGRATE_ON_BOOT: "off" });
    await eventually(
      async () => (await http(`${api.url}/health/ready`)).status === 200,
      "the API to be ready",
    );

    // One job makes the queue's own keys exist (`id` a string, `events` a stream, `meta` a hash).
    const enqueued = await http(`${api.url}/migrations/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(ADMIN_TOKEN) },
      body: JSON.stringify({ name: "backup", payload: {} }),
    });
    expect(enqueued.status).toBe(202);
    for (const id of ["events", "id", "completed", "meta", "wait", "stalled-check", "../x"]) {
      const r = await http(`${api.url}/migrations/jobs/${encodeURIComponent(id)}`, {
        headers: bearer(ADMIN_TOKEN),
      });
      expect(r.status, id).toBe(404);
      expect(r.body).toMatchObject({ error: { code: "TM_JOB_NOT_FOUND" } });
    }

    for (const query of ["offset=99999999999999999999", "offset=1e308", "limit=1e308", "offset=-1"]) {
      const r = await http(`${api.url}/users?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body).toMatchObject({ error: { code: "TM_VALIDATION" } });
    }
    const noisy = api.logs.filter((l) => (l.level ?? 0) >= 40);
    expect(JSON.stringify(noisy)).not.toContain("99999999999999999999");
    expect(api.logs.filter((l) => (l.level ?? 0) >= 50)).toEqual([]);

    // History: the page size is capped, and a cursor walks older rows without overlap.
    const tooBig = await http(`${api.url}/migrations/history?limit=1000`, { headers: bearer(STATUS_TOKEN) });
    expect(tooBig.status).toBe(400);
    const first = await http(`${api.url}/migrations/history?limit=2`, { headers: bearer(STATUS_TOKEN) });
    const cursor = first.body.nextCursor as number;
    expect(cursor).toBeGreaterThan(0);
    const next = await http(`${api.url}/migrations/history?limit=2&before=${cursor}`, {
      headers: bearer(STATUS_TOKEN),
    });
    const ids = (r: { body: Record<string, unknown> }) => (r.body.items as { id: number }[]).map((i) => i.id);
    expect(ids(next).every((id) => id < Math.min(...ids(first)))).toBe(true);
    expect(ids(next)).toHaveLength(2);

    // Per client: the 41st status read in a minute is refused; probes are never limited.
    let limited: Awaited<ReturnType<typeof http>> | null = null;
    const res = await fetch(`${api.url}/migrations/status`);
    expect(res.headers.get("x-ratelimit-limit")).toBe("40");
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await http(`${api.url}/migrations/status`);
      if (r.status === 429) limited = r;
    }
    expect(limited?.body).toMatchObject({ error: { code: "TM_RATE_LIMITED" } });
    expect((await http(`${api.url}/health/ready`)).status).toBe(200);
  });

  it("fails a job whose data in Redis is not JSON once, and every reader shows it as invalid", {
    timeout: 120_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const redisUrl = String(s.env().REDIS_URL);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix: s.prefix });
    const client = new Redis(redisUrl);
    const jobId = randomUUID();
    try {
      await queue.add("backup", { requestedBy: { via: "test", host: "x", pid: 1 } }, { jobId });
      await client.hset(`${s.prefix}:${QUEUE_NAME}:${jobId}`, "data", "{not json");
      const worker = await s.worker();
      const api = await s.api({ MIGRATE_ON_BOOT: "off" });
      const view = await eventually(async () => {
        const r = await http(`${api.url}/migrations/jobs/${jobId}`, { headers: bearer(ADMIN_TOKEN) });
        expect(r.status).toBe(200);
        return r.body.state === "failed" ? r.body : null;
      }, "the poisoned job to fail");
      expect(view).toMatchObject({ errorCode: "TM_JOB_INVALID", attempts: 1 });
      expect(String(view.invalid)).toContain("not valid JSON");
      expect(String(view.failedReason)).toContain("cannot run");

      const listed = await s.cli(["jobs"]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain("invalid job");
      expect(listed.stderr).not.toContain("this is a bug");
      const json = await s.cli(["jobs", "--json"]);
      expect(JSON.parse(json.stdout)[0]).toMatchObject({ id: jobId, state: "failed" });
      // Failed once: no stall loop afterwards.
      await new Promise((r) => setTimeout(r, 3000));
      expect(worker.output()).not.toContain("job stalled");
      expect((await queue.getJobCounts("wait", "active")).active).toBe(0);
    } finally {
      client.disconnect();
      await queue.close();
    }
  });

  it("bounds the jobs the API follows (429 with Retry-After) and follows them through one event stream", {
    timeout: 120_000,
  }, async () => {
    const redis = await ownRedis();
    await redis.start();
    const s = await createScenario({ redisUrl: redis.url });
    await migrateTo(s.db.url, s.migrationsDir);
    const max = 60;
    const api = await s.api({ MIGRATE_ON_BOOT: "off", MAX_WATCHED_JOBS: String(max) });
    const post = () =>
      http(`${api.url}/migrations/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(ADMIN_TOKEN) },
        body: JSON.stringify({ name: "backup", payload: {} }),
      });
    // No worker: every job stays waiting and the API keeps following it.
    for (let i = 0; i < max; i++) expect((await post()).status).toBe(202);
    const refused = await fetch(`${api.url}/migrations/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(ADMIN_TOKEN) },
      body: JSON.stringify({ name: "backup", payload: {} }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("TM_QUEUE_FULL");

    // Redis commands per followed job and second: a poller per job costs 2-3, the shared stream far less.
    const stats = new Redis(redis.url);
    try {
      const processed = async () =>
        Number(/total_commands_processed:(\d+)/.exec(await stats.info("stats"))?.[1] ?? Number.NaN);
      const windowMs = 6000;
      const before = await processed();
      await new Promise((r) => setTimeout(r, windowMs));
      const perJobPerSecond = ((await processed()) - before) / (windowMs / 1000) / max;
      expect(perJobPerSecond).toBeLessThan(1);
    } finally {
      stats.disconnect();
      await redis.crash();
    }
  });

  it("refuses tokens with whitespace at start-up, naming the variable", { timeout: 60_000 }, async () => {
    const s = await createScenario();
    for (const [name, value] of [
      ["ADMIN_TOKEN", " ".repeat(16)],
      ["ADMIN_TOKEN", "abcdefgh ijklmnopq"],
      ["STATUS_TOKEN", "abcdefgh\tijklmnopq"],
    ] as const) {
      const run = await refusedStart(s.env({ [name]: value }));
      expect(run.code, run.out).toBe(2);
      expect(run.out).toContain(name);
      expect(run.out).toContain("must not contain spaces");
    }
  });
});
