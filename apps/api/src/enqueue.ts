import { databaseIdentity, type EngineContext } from "@tidemark/migrate";
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import { type JobWatcher, QUEUE_FULL_RETRY_AFTER_S } from "./job-watcher.js";
import type { QueueHandle } from "./queue.js";

/** What enqueueing a job needs. */
export interface EnqueueDeps {
  ctx: EngineContext;
  queue: QueueHandle;
  watcher: JobWatcher;
}

/**
 * The one way the API enqueues a job (`POST /migrations/jobs` and the dashboard's buttons):
 * bounded by the watcher, payload validated, the API named as requester and its database as target.
 */
export async function enqueueJob(
  deps: EnqueueDeps,
  name: string,
  body: Record<string, unknown> | undefined,
  reply: FastifyReply,
  log: FastifyBaseLogger,
): Promise<{ jobId: string; deduplicated: boolean }> {
  try {
    deps.watcher.admit();
  } catch (err) {
    reply.header("retry-after", String(QUEUE_FULL_RETRY_AFTER_S));
    throw err;
  }
  // The API is the requester, whatever the body claims.
  const jobs = await deps.queue.module();
  const payload = jobs.parsePayload(name, {
    ...body,
    requestedBy: jobs.currentRequester("api"),
    // The API names its own database, so a worker serving another one refuses the job.
    database: await databaseIdentity(deps.ctx.databaseUrl),
  });
  const { jobId, deduplicated } = await (await deps.queue.get()).enqueue(name as never, payload as never);
  log.info({ jobId, job: name, deduplicated }, "job enqueued");
  deps.watcher.watch(jobId, name);
  return { jobId, deduplicated };
}
