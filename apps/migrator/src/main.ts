import { createLogger, isTidemarkError } from "@tidemark/migrate";
import { loadMigratorConfig } from "./config.js";
import { startMigrator } from "./worker.js";

function main(): void {
  let config: ReturnType<typeof loadMigratorConfig>;
  try {
    config = loadMigratorConfig();
  } catch (err) {
    process.stderr.write(`${isTidemarkError(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, name: "migrator", pretty: process.stdout.isTTY });
  const migrator = startMigrator(config, logger);

  const shutdown = (signal: string): void => {
    migrator.stop(signal).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("uncaughtException", (err) => {
    logger.fatal({ err }, "migrator crashed");
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    logger.fatal({ err }, "migrator crashed (unhandled rejection)");
    process.exit(1);
  });
}

main();
