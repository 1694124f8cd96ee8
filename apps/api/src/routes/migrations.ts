import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type EngineContext, history, TidemarkError } from "@tidemark/migrate";
import { type ReadTokens, readerCheck, requireAdmin, requireReader } from "../auth.js";
import type { Boot } from "../boot.js";
import type { Memo } from "../cache.js";
import { DASHBOARD_PATH, wantsHtml } from "../dashboard/negotiate.js";
import { enqueueJob } from "../enqueue.js";
import type { JobWatcher } from "../job-watcher.js";
import { JOB_NAMES, type QueueHandle } from "../queue.js";
import { errorResponses, perClientLimit } from "../schemas.js";
import { type CachedStatus, statusJson, statusSummary } from "../status-report.js";
import { Type } from "../type.js";
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
      // A browser asking for a page gets the dashboard, which reads the same report.
      if (wantsHtml(req.headers.accept)) return reply.redirect(DASHBOARD_PATH, 303);
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
      const { name, payload } = req.body;
      const { jobId, deduplicated } = await enqueueJob(opts, name, payload, reply, req.log);
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
