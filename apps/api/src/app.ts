import rateLimit from "@fastify/rate-limit";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { checkUpToDate, history, TidemarkError } from "@tidemark/migrate";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import postgres from "postgres";
import { Boot } from "./boot.js";
import { bootMigration } from "./boot-migration.js";
import { memo } from "./cache.js";
import type { ApiConfig } from "./config.js";
import { dashboardPlugin } from "./dashboard/plugin.js";
import { DemoDb } from "./demo-db.js";
import { docsRoutes } from "./docs.js";
import { engineContext, readWithFallback } from "./engine-context.js";
import { installErrorHandlers } from "./errors.js";
import { FleetHandle } from "./fleet-handle.js";
import { JobWatcher } from "./job-watcher.js";
import { lazySchemaCompilers } from "./lazy-compilers.js";
import { Metrics } from "./metrics.js";
import { QueueHandle } from "./queue.js";
import { categoryRoutes } from "./routes/categories.js";
import { fleetRoutes } from "./routes/fleet.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { migrationRoutes } from "./routes/migrations.js";
import { userRoutes } from "./routes/users.js";
import { STATUS_TTL_MS, statusSource } from "./status-report.js";

/** Options of {@link buildApp}. */
export interface AppOptions {
  config: ApiConfig;
  logger: Logger;
  /** Background retry backoff of a degraded boot (tests shorten it). */
  retry?: { initialMs: number; maxMs: number };
}

/** A built API: the Fastify instance and its boot sequence (not started yet). */
export interface Api {
  app: FastifyInstance;
  boot: Boot;
}

/** Request bodies here are small JSON objects; anything bigger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Build the API without listening or migrating; `main.ts` listens, then starts `boot`. */
export async function buildApp(options: AppOptions): Promise<Api> {
  const { config, logger } = options;
  const base = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Unknown properties are errors, not silently dropped: a typo must not pass as a no-op.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: lazySchemaCompilers(),
  });
  installErrorHandlers(base);
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  // The demo routes' drizzle client, loaded on their first request.
  const demo = new DemoDb(config.engine.databaseUrl);
  // The engine gets its own small pool: drizzle reconfigures its client's type parsers
  // (timestamps stay strings), which the engine's row mapping does not expect.
  const engineSql = postgres(config.engine.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connection: { application_name: "tidemark-api" },
  });
  const ctx = engineContext(config, logger, engineSql);
  const queue = new QueueHandle(config.queue, logger);
  // One fleet client per app, connected on first use; none at all without a configured fleet.
  const fleet = config.fleet
    ? new FleetHandle({
        targets: config.fleet,
        queue: config.queue,
        engine: config.engine,
        logger,
        jobs: () => queue.module(),
      })
    : null;
  const status = statusSource({ ctx, queue });
  const recentHistory = memo(() => history(ctx, { limit: 1000 }), STATUS_TTL_MS);
  const metrics: Metrics = new Metrics(
    {
      status: async () => (await status.get()).core,
      history: () => recentHistory.get(),
      boot: () => boot.snapshot(),
    },
    (err) => logger.warn({ err }, "metrics: database state unavailable"),
  );
  // Declared after `metrics` on purpose: the metrics only read it at scrape time.
  const boot: Boot = new Boot({
    mode: config.migrateOnBoot,
    logger,
    check: () => readWithFallback(ctx, checkUpToDate),
    migrate: bootMigration({
      mode: config.migrateOnBoot,
      ctx,
      queue,
      timeoutMs: config.migrateTimeoutMs,
      noWorkerAfterMs: config.noWorkerAfterMs,
      metrics,
    }),
    retry: options.retry,
    onChange: () => status.invalidate(),
  });

  // Enqueued jobs are followed through one shared event stream, at most MAX_WATCHED_JOBS at once.
  const watcher = new JobWatcher({
    queue,
    redisUrl: config.queue.redisUrl,
    prefix: config.queue.prefix,
    max: config.maxWatchedJobs,
    timeoutMs: config.migrateTimeoutMs,
    logger,
    onEnd: (job, outcome, code) => {
      metrics.jobOutcome(job.name, outcome);
      if (outcome !== "completed") logger.warn({ ...job, code }, "job did not complete");
      // A fixed migration POSTed as an upgrade makes a degraded API ready without a restart.
      status.invalidate();
      void boot.nudge();
    },
  });

  // Per client, only on the routes that opt in (those that read the database or Redis):
  // probes and metrics are never limited.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      new TidemarkError(
        "TM_RATE_LIMITED",
        `Too many requests from this client: at most ${context.max} a minute on this route. Retry after ${context.after}.`,
        { details: { retryAfter: context.after } },
      ),
  });
  // Before every route: it records them for the OpenAPI document, built on the first /docs request.
  await docsRoutes(app);
  await app.register(healthRoutes, { boot });
  await app.register(metricsRoutes, { metrics });
  // The JSON routes and the dashboard serve the same report, jobs and access rules.
  const migrations = {
    ctx,
    boot,
    status,
    queue,
    watcher,
    tokens: { adminToken: config.adminToken, statusToken: config.statusToken },
    rateLimitPerMinute: config.rateLimitPerMinute,
  };
  await app.register(migrationRoutes, migrations);
  await app.register(fleetRoutes, {
    fleet,
    tokens: migrations.tokens,
    rateLimitPerMinute: config.rateLimitPerMinute,
  });
  await app.register(dashboardPlugin, { ...migrations, fleet });
  const readLimit = { demo, boot, rateLimitPerMinute: config.rateLimitPerMinute };
  await app.register(userRoutes, readLimit);
  await app.register(categoryRoutes, readLimit);

  app.addHook("onClose", async () => {
    boot.close();
    await watcher.close();
    await Promise.all([queue.close(), fleet?.close()]);
    await Promise.all([demo.close(), engineSql.end({ timeout: 5 })]);
  });
  return { app: base, boot };
}
