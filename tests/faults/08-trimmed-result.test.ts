import { randomUUID } from "node:crypto";
import { createMigrationsQueue, QUEUE_NAME } from "@tidemark/jobs";
import { eventually, redisUrl } from "@tidemark/testkit";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { migrateTo } from "./support/database.js";
import { ADMIN_TOKEN, createScenario, http, useScenarios } from "./support/scenario.js";

const requestedBy = { via: "test" as const, host: "faults", pid: process.pid };

describe("case 8: a job whose result was trimmed before anyone awaited it", () => {
  useScenarios();

  it("answers the await from the event stream and the API with a stable 404, never a missing-key error", {
    timeout: 90_000,
  }, async () => {
    const s = await createScenario();
    await migrateTo(s.db.url, s.migrationsDir);
    const worker = await s.worker();
    const api = await s.api();
    const raw = new Queue(QUEUE_NAME, { connection: { url: redisUrl }, prefix: s.prefix });
    const queue = createMigrationsQueue({ redisUrl, prefix: s.prefix });
    try {
      // Trimmed the moment they finish, as removeOnComplete/removeOnFail do to old jobs.
      const completedId = randomUUID();
      await raw.add("upgrade", { requestedBy }, { jobId: completedId, removeOnComplete: true });
      const failedId = randomUUID();
      await raw.add("rollback", { to: "../../etc", requestedBy }, { jobId: failedId, removeOnFail: true });
      await eventually(
        async () => !(await raw.getJob(completedId)) && !(await raw.getJob(failedId)),
        "both jobs to finish and be trimmed",
      );

      const report = await queue.awaitJob(completedId, { timeoutMs: 10_000 });
      expect(report).toMatchObject({ direction: "up", from: "0004_set_default_avatar_url", steps: [] });

      const failure = await queue.awaitJob(failedId, { timeoutMs: 10_000 }).then(
        () => null,
        (err: unknown) => err as { code: string; message: string; details: Record<string, unknown> },
      );
      expect(failure?.code).toBe("TM_JOB_FAILED");
      // The message survives the trim (the event stream keeps it); the job's own code lives in
      // the trimmed stack trace, so details.code degrades to TM_INTERNAL (see docs/reliability.md).
      expect(failure?.message).toContain("Invalid rollback payload");
      expect(failure?.message).toContain("must be a revision id");

      for (const id of [completedId, failedId]) {
        const res = await http(`${api.url}/migrations/jobs/${id}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({
          error: { code: "TM_JOB_NOT_FOUND", message: expect.stringContaining("GET /migrations/history") },
        });
      }

      const everything = [api.output(), worker.output()].join("\n");
      expect(everything).not.toMatch(/missing key/i);
    } finally {
      await Promise.all([queue.close(), raw.close()]);
    }
  });
});
