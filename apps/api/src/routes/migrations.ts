import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { databaseIdentity, type EngineContext, history, TidemarkError } from "@tidemark/migrate";
import { Type } from "typebox";
import { requireAdmin } from "../auth.js";
import type { Boot } from "../boot.js";
import type { Memo } from "../cache.js";
import type { Metrics } from "../metrics.js";
import { outcomeOf } from "../metrics.js";
import { JOB_NAMES, type QueueHandle } from "../queue.js";
import { errorResponses } from "../schemas.js";
import { type CachedStatus, statusJson } from "../status-report.js";
import { HistoryRowSchema, StatusSchema } from "./migration-schemas.js";

/** What the migration routes need. */
export interface MigrationRoutesOptions {
  ctx: EngineContext;
  boot: Boot;
  status: Memo<CachedStatus>;
  queue: QueueHandle;
  metrics: Metrics;
  adminToken: string | undefined;
  /** How long a watched job may run before we stop waiting for it (it keeps running). */
  jobTimeoutMs: number;
}

const NullableString = Type.Union([Type.String(), Type.Null()]);

const JobView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.String(),
  progress: Type.Unknown(),
  payload: Type.Unknown(),
  result: Type.Unknown(),
  failedReason: NullableString,
  errorCode: NullableString,
  attempts: Type.Integer(),
  processedBy: NullableString,
  createdAt: Type.String(),
  startedAt: NullableString,
  finishedAt: NullableString,
});

const EnqueueBody = Type.Object(
  {
    name: Type.Union(JOB_NAMES.map((n) => Type.Literal(n))),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** `/migrations/status`, `/migrations/history` and the admin job endpoints (DESIGN §7). */
export const migrationRoutes: FastifyPluginAsyncTypebox<MigrationRoutesOptions> = async (app, opts) => {
  const tags = ["migrations"];

  app.get(
    "/migrations/status",
    {
      schema: {
        tags,
        summary: "Revisions, pending migrations with lint findings, drift, tables, lock holder, queue counts",
        response: { 200: StatusSchema, ...errorResponses },
      },
    },
    async (_req, reply) => {
      const body = statusJson(await opts.status.get(), opts.boot.snapshot());
      // Already JSON: Fastify sends strings as they are; the schema above documents the shape.
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );

  app.get(
    "/migrations/history",
    {
      schema: {
        tags,
        summary: "Rows of tidemark.history, newest first",
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(HistoryRowSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await history(opts.ctx, { limit: req.query.limit }) }),
  );

  app.post(
    "/migrations/jobs",
    {
      onRequest: requireAdmin(opts.adminToken),
      schema: {
        tags,
        summary: "Enqueue a migration job (Bearer ADMIN_TOKEN); identical upgrades share one job",
        security: [{ bearer: [] }],
        body: EnqueueBody,
        response: {
          202: Type.Object({ jobId: Type.String(), deduplicated: Type.Boolean() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { name } = req.body;
      // The API is the requester, whatever the body claims.
      const jobs = await opts.queue.module();
      const payload = jobs.parsePayload(name, {
        ...req.body.payload,
        requestedBy: jobs.currentRequester("api"),
        // The API names its own database, so a worker serving another one refuses the job.
        database: await databaseIdentity(opts.ctx.databaseUrl),
      });
      const { jobId, deduplicated } = await (await opts.queue.get()).enqueue(name, payload);
      req.log.info({ jobId, job: name, deduplicated }, "job enqueued");
      watch(opts, name, jobId, req.log);
      return reply.code(202).send({ jobId, deduplicated });
    },
  );

  app.get(
    "/migrations/jobs/:id",
    {
      schema: {
        tags,
        summary: "A job's state, progress, result or error",
        params: Type.Object({ id: Type.String({ pattern: "^[\\w:.-]{1,200}$" }) }),
        response: { 200: JobView, ...errorResponses },
      },
    },
    async (req) => {
      const job = await (await opts.queue.get()).getJob(req.params.id);
      if (!job) {
        throw new TidemarkError(
          "TM_JOB_NOT_FOUND",
          `No job ${req.params.id}; finished jobs are trimmed after a while, GET /migrations/history shows what ran.`,
        );
      }
      return job;
    },
  );
};

/**
 * Follow a job we enqueued: when it ends, refresh the status and let a degraded boot
 * re-check at once, so fixing a migration and POSTing an upgrade makes the API ready.
 */
function watch(
  opts: MigrationRoutesOptions,
  name: string,
  jobId: string,
  log: { warn(o: object, m: string): void },
): void {
  opts.queue
    .get()
    .then((queue) => queue.awaitJob(jobId, { timeoutMs: opts.jobTimeoutMs }))
    .then(
      () => opts.metrics.jobOutcome(name, "completed"),
      (err: unknown) => {
        opts.metrics.jobOutcome(name, outcomeOf(err));
        log.warn({ jobId, job: name, code: (err as { code?: string }).code }, "job did not complete");
      },
    )
    .finally(() => {
      opts.status.invalidate();
      void opts.boot.nudge();
    });
}
