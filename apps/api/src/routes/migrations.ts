import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { databaseIdentity, type EngineContext, history, TidemarkError } from "@tidemark/migrate";
import { Type } from "typebox";
import { type ReadTokens, readerCheck, requireAdmin, requireReader } from "../auth.js";
import type { Boot } from "../boot.js";
import type { Memo } from "../cache.js";
import { type JobWatcher, QUEUE_FULL_RETRY_AFTER_S } from "../job-watcher.js";
import { JOB_NAMES, type QueueHandle } from "../queue.js";
import { errorResponses, perClientLimit } from "../schemas.js";
import { type CachedStatus, statusJson, statusSummary } from "../status-report.js";
import { HistoryRowSchema, StatusSchema, StatusSummarySchema } from "./migration-schemas.js";

/** What the migration routes need. */
export interface MigrationRoutesOptions {
  ctx: EngineContext;
  boot: Boot;
  status: Memo<CachedStatus>;
  queue: QueueHandle;
  /** Follows enqueued jobs through one shared event stream and bounds how many at once. */
  watcher: JobWatcher;
  tokens: ReadTokens;
  /** Requests per minute per client on each route that reads the database or Redis. */
  rateLimitPerMinute: number;
}

/** Largest history page; older rows are reached with the `before` cursor. */
export const HISTORY_PAGE_MAX = 100;

/**
 * Shapes of the job ids this API can know: the UUIDs `@tidemark/jobs` generates, and BullMQ's
 * numeric ids for jobs added by other tools. Anything else (`events`, `id`, `meta`…) names a
 * key of the queue itself, not a job, and must never reach Redis as one.
 */
const JOB_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[1-9][0-9]{0,15})$/;

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
  invalid: NullableString,
});

const EnqueueBody = Type.Object(
  {
    name: Type.Union(JOB_NAMES.map((n) => Type.Literal(n))),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** `/migrations/status`, `/migrations/history` and the job endpoints; who may read what: docs/security.md. */
export const migrationRoutes: FastifyPluginAsyncTypebox<MigrationRoutesOptions> = async (app, opts) => {
  const tags = ["migrations"];
  const isReader = readerCheck(opts.tokens);
  const reader = requireReader(opts.tokens);
  const limited = perClientLimit(opts.rateLimitPerMinute);

  app.get(
    "/migrations/status",
    {
      schema: {
        tags,
        summary:
          "Revisions, pending migrations and boot phase; with Bearer STATUS_TOKEN or ADMIN_TOKEN also lint findings, drift, tables, lock holder, last failure, queue counts",
        response: { 200: Type.Union([StatusSchema, StatusSummarySchema]), ...errorResponses },
      },
      config: limited,
    },
    async (req, reply) => {
      const cached = await opts.status.get();
      const boot = opts.boot.snapshot();
      const body = isReader(req) ? statusJson(cached, boot) : JSON.stringify(statusSummary(cached, boot));
      // Already JSON: Fastify sends strings as they are; the schema above documents the shape.
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );

  app.get(
    "/migrations/history",
    {
      schema: {
        tags,
        summary:
          "Rows of tidemark.history, newest first (Bearer STATUS_TOKEN or ADMIN_TOKEN); pass nextCursor as `before` for the next page",
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: 50 }),
            before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(HistoryRowSchema),
            nextCursor: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
      onRequest: reader,
      config: limited,
    },
    async (req) => {
      const { limit, before } = req.query;
      const items = await history(opts.ctx, { limit, before });
      const last = items.at(-1);
      return { items, nextCursor: items.length === limit && last ? last.id : null };
    },
  );

  app.post(
    "/migrations/jobs",
    {
      onRequest: requireAdmin(opts.tokens.adminToken),
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
      try {
        opts.watcher.admit();
      } catch (err) {
        reply.header("retry-after", String(QUEUE_FULL_RETRY_AFTER_S));
        throw err;
      }
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
      opts.watcher.watch(jobId, name);
      return reply.code(202).send({ jobId, deduplicated });
    },
  );

  app.get(
    "/migrations/jobs/:id",
    {
      schema: {
        tags,
        summary: "A job's state, progress, result or error (Bearer STATUS_TOKEN or ADMIN_TOKEN)",
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        response: { 200: JobView, ...errorResponses },
      },
      onRequest: reader,
      config: limited,
    },
    async (req) => {
      const known = JOB_ID.test(req.params.id);
      const job = known ? await (await opts.queue.get()).getJob(req.params.id) : null;
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
