import { createLogger, describeDatabaseUrl, isTidemarkError } from "@tidemark/migrate";
import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.js";
import { type ApiConfig, loadApiConfig } from "./config.js";

/** How long shutdown may take (in-flight requests, queue and pool) before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

function readConfig(): ApiConfig {
  try {
    return loadApiConfig();
  } catch (err) {
    // Misconfiguration is the one thing worth refusing to start over: nothing can work.
    process.stderr.write(`${isTidemarkError(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

/** Listen first, then migrate: liveness answers during a long migration, readiness waits for it. */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  logger.info(
    { database: describeDatabaseUrl(config.engine.databaseUrl), mode: config.migrateOnBoot },
    "starting Tidemark API",
  );
  const { app, boot } = await buildApp({ config, logger });
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, "shutting down after an unexpected error");
    else logger.info({ signal }, "shutting down");
    await app.close();
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    logger.fatal(
      { err, port: config.port, host: config.host },
      "cannot listen; set PORT/HOST to a free address",
    );
    process.exit(1);
  }
  void boot.start();
}

void main();
