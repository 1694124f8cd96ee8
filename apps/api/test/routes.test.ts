import { createTempDatabase, dropDatabase, dropQueuePrefix, uniqueQueuePrefix } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, buildTestApi, readerAuth, type TestApi } from "./support.js";

let db: { name: string; url: string };
let api: TestApi;
const prefix = uniqueQueuePrefix();

beforeAll(async () => {
  db = await createTempDatabase("tm_api_routes");
  api = await buildTestApi({
    DATABASE_URL: db.url,
    MIGRATE_ON_BOOT: "inline",
    ADMIN_TOKEN,
    TIDEMARK_QUEUE_PREFIX: prefix,
  });
  await api.boot.start();
});

afterAll(async () => {
  await api?.close();
  await dropDatabase(db.name);
  await dropQueuePrefix(prefix);
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function queueTotal(): Promise<number> {
  const res = await api.app.inject({ url: "/migrations/status", headers: readerAuth });
  const counts = res.json().queue.counts as Record<string, number>;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe("health", () => {
  it("answers liveness and readiness once migrated", async () => {
    expect((await api.app.inject({ url: "/health/live" })).json()).toEqual({ status: "ok" });
    const ready = await api.app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      phase: "ready",
      mode: "inline",
      revision: "0004_set_default_avatar_url",
    });
  });
});

describe("users", () => {
  it("creates, reads, updates, lists and deletes a user", async () => {
    const created = await api.app.inject({
      method: "POST",
      url: "/users",
      payload: { username: "ada", email: "ada@example.com" },
    });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({ username: "ada", email: "ada@example.com", avatarUrl: null });
    expect(new Date(user.createdAt).getTime()).not.toBeNaN();

    const patched = await api.app.inject({
      method: "PATCH",
      url: `/users/${user.id}`,
      payload: { avatarUrl: "/ada.png" },
    });
    expect(patched.json()).toMatchObject({ id: user.id, avatarUrl: "/ada.png" });
    const list = await api.app.inject({ url: "/users?limit=10" });
    expect(list.json().items.map((u: { username: string }) => u.username)).toContain("ada");

    expect((await api.app.inject({ method: "DELETE", url: `/users/${user.id}` })).statusCode).toBe(204);
    const gone = await api.app.inject({ url: `/users/${user.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe("TM_NOT_FOUND");
  });

  it("answers 409 with the field when a username is taken", async () => {
    const body = { username: "grace", email: "grace@example.com" };
    expect((await api.app.inject({ method: "POST", url: "/users", payload: body })).statusCode).toBe(201);
    const dup = await api.app.inject({
      method: "POST",
      url: "/users",
      payload: { ...body, email: "other@example.com" },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: "TM_CONFLICT", details: { field: "username" } });
  });

  it("rejects bad bodies with 400 and the schema error", async () => {
    const missing = await api.app.inject({ method: "POST", url: "/users", payload: { username: "x" } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({
      code: "TM_VALIDATION",
      message: "body must have required property 'email'",
      details: { in: "body", validation: [{ keyword: "required" }] },
    });
    const extra = await api.app.inject({
      method: "POST",
      url: "/users",
      payload: { username: "x", email: "x@example.com", admin: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.details.validation[0].keyword).toBe("additionalProperties");
    const email = await api.app.inject({
      method: "POST",
      url: "/users",
      payload: { username: "x", email: "not-an-email" },
    });
    expect(email.json().error.code).toBe("TM_VALIDATION");
    const id = await api.app.inject({ url: "/users/abc" });
    expect(id.statusCode).toBe(400);
    expect(id.json().error.details.in).toBe("params");
  });

  it("rejects malformed JSON and oversized bodies with the shared error shape", async () => {
    const malformed = await api.app.inject({
      method: "POST",
      url: "/users",
      headers: { "content-type": "application/json" },
      payload: '{"username": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("TM_BAD_REQUEST");
    const huge = await api.app.inject({
      method: "POST",
      url: "/users",
      payload: { username: "x".repeat(100_000), email: "x@example.com" },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe("TM_PAYLOAD_TOO_LARGE");
  });
});

describe("categories", () => {
  it("creates, renames and deletes a category", async () => {
    const created = await api.app.inject({ method: "POST", url: "/categories", payload: { name: "books" } });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const renamed = await api.app.inject({
      method: "PUT",
      url: `/categories/${id}`,
      payload: { name: "novels" },
    });
    expect(renamed.json()).toEqual({ id, name: "novels" });
    const tooLong = await api.app.inject({
      method: "PUT",
      url: `/categories/${id}`,
      payload: { name: "n".repeat(51) },
    });
    expect(tooLong.statusCode).toBe(400);
    expect((await api.app.inject({ method: "DELETE", url: `/categories/${id}` })).statusCode).toBe(204);
    expect((await api.app.inject({ method: "DELETE", url: `/categories/${id}` })).statusCode).toBe(404);
  });
});

describe("migrations", () => {
  it("serves status with revisions, tables and columns, lint and queue counts", async () => {
    const res = await api.app.inject({ url: "/migrations/status", headers: readerAuth });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      current: "0004_set_default_avatar_url",
      latest: "0004_set_default_avatar_url",
      upToDate: true,
      pending: [],
      drift: [],
      lint: { findings: [] },
      boot: { phase: "ready" },
      queue: { reason: null },
    });
    const users = s.tables.find((t: { name: string }) => t.name === "users");
    expect(users.columns.map((c: { name: string }) => c.name)).toContain("avatar_url");
    expect(s.queue.counts).toHaveProperty("waiting");
  });

  it("serves history newest first", async () => {
    const res = await api.app.inject({ url: "/migrations/history?limit=2", headers: readerAuth });
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      revision: "0004_set_default_avatar_url",
      direction: "up",
      status: "ok",
    });
  });

  it("refuses job requests without or with a wrong token, and enqueues nothing", async () => {
    const before = await queueTotal();
    const none = await api.app.inject({
      method: "POST",
      url: "/migrations/jobs",
      payload: { name: "upgrade" },
    });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    expect(none.json().error.code).toBe("TM_UNAUTHORIZED");
    const wrong = await api.app.inject({
      method: "POST",
      url: "/migrations/jobs",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}x` },
      payload: { name: "upgrade" },
    });
    expect(wrong.statusCode).toBe(401);
    // Authentication comes before validation: an anonymous caller learns nothing about the body.
    const anonBad = await api.app.inject({ method: "POST", url: "/migrations/jobs", payload: { name: 42 } });
    expect(anonBad.statusCode).toBe(401);
    expect(await queueTotal()).toBe(before);
    expect(api.rawLogs()).not.toContain(ADMIN_TOKEN);
  });

  it("validates job requests: unknown job names and bad payloads are 400", async () => {
    const name = await api.app.inject({
      method: "POST",
      url: "/migrations/jobs",
      headers: auth,
      payload: { name: "drop-everything" },
    });
    expect(name.statusCode).toBe(400);
    expect(name.json().error.code).toBe("TM_VALIDATION");
    const payload = await api.app.inject({
      method: "POST",
      url: "/migrations/jobs",
      headers: auth,
      payload: { name: "rollback", payload: { too: "prev" } },
    });
    expect(payload.statusCode).toBe(400);
    expect(payload.json().error.code).toBe("TM_PAYLOAD_INVALID");
  });

  it("enqueues an upgrade with the admin token and shows the job", async () => {
    const res = await api.app.inject({
      method: "POST",
      url: "/migrations/jobs",
      headers: auth,
      payload: { name: "upgrade", payload: {} },
    });
    expect(res.statusCode).toBe(202);
    const { jobId, deduplicated } = res.json();
    expect(deduplicated).toBe(false);
    const job = await api.app.inject({ url: `/migrations/jobs/${jobId}`, headers: readerAuth });
    expect(job.statusCode).toBe(200);
    expect(job.json()).toMatchObject({ id: jobId, name: "upgrade", state: "waiting" });
    expect(job.json().payload.requestedBy.via).toBe("api");
    const missing = await api.app.inject({ url: "/migrations/jobs/no-such-job", headers: readerAuth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("TM_JOB_NOT_FOUND");
  });

  it("disables the job endpoint when no admin token is configured", async () => {
    const bare = await buildTestApi({ DATABASE_URL: db.url, TIDEMARK_QUEUE_PREFIX: prefix });
    try {
      const res = await bare.app.inject({
        method: "POST",
        url: "/migrations/jobs",
        headers: auth,
        payload: { name: "upgrade" },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: "TM_JOBS_DISABLED" });
      expect(res.json().error.message).toContain("ADMIN_TOKEN");
    } finally {
      await bare.close();
    }
  });
});

describe("metrics and docs", () => {
  it("exposes the revision, pending count, migration durations and readiness to Prometheus", async () => {
    const res = await api.app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain('tidemark_current_revision_info{revision="0004_set_default_avatar_url"} 1');
    expect(res.body).toMatch(/^tidemark_pending_migrations 0$/m);
    expect(res.body).toMatch(/^tidemark_migration_duration_seconds_count\{direction="up",status="ok"\} 5$/m);
    expect(res.body).toMatch(/^tidemark_ready 1$/m);
  });

  it("publishes an OpenAPI document covering every route", async () => {
    const res = await api.app.inject({ url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      "/migrations/status",
      "/migrations/jobs",
      "/health/ready",
      "/users/{id}",
      "/categories",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths["/migrations/jobs"].post.security).toEqual([{ bearer: [] }]);
  });

  it("answers unknown routes with 404 in the shared shape", async () => {
    const res = await api.app.inject({ url: "/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "TM_NOT_FOUND", message: "No route GET /nope." } });
  });
});
