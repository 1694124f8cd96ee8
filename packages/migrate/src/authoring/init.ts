import { readTables } from "../catalog.js";
import { stamp } from "../commands/stamp.js";
import { upgrade } from "../commands/upgrade.js";
import { isMissingDatabase, withDatabase } from "../connection.js";
import { createEngineContext, processActor } from "../context.js";
import { TidemarkError } from "../errors.js";
import type { Actor } from "../types.js";
import { createMigration } from "./create.js";
import { describeDatabase, describeDifferences } from "./describe.js";
import { snapshotOf } from "./drizzle-kit.js";
import { readMigrationsFolder } from "./folder.js";
import { loadSchemaModule } from "./schema-loader.js";
import { readSearchPath } from "./search-path.js";
import { ORIGIN_ID, type Snapshot, tableKey } from "./snapshot.js";
import type { InitOptions, InitResult } from "./types.js";
import { describeModels } from "./validate.js";

/** Extra settings of {@link initProject} beyond the required ones. */
export interface InitExtras {
  /** Message of the baseline migration (default "Initial schema" → `0000_initial_schema`). */
  message?: string;
  /** Environment recorded in history (default `development`). */
  environment?: string;
  actor?: Actor;
}

async function modelTablesIn(databaseUrl: string, model: Snapshot): Promise<string[]> {
  const wanted = new Set(Object.values(model.tables).map((t) => tableKey(t.schema, t.name)));
  try {
    return await withDatabase(databaseUrl, async (sql) =>
      (await readTables(sql)).map((t) => `${t.schema}.${t.name}`).filter((k) => wanted.has(k)),
    );
  } catch (err) {
    if (isMissingDatabase(err) || isMissingDatabase((err as { cause?: unknown }).cause)) return [];
    throw err;
  }
}

/** Refuse to stamp a database whose model tables differ from the schema: later diffs would lie. */
async function assertMatchesModel(options: InitOptions, model: Snapshot): Promise<void> {
  const searchPath = await readSearchPath(options.databaseUrl, options.logger);
  const server = options.scratchUrl ?? options.databaseUrl;
  const [expected = new Map()] = await describeModels(server, [model], searchPath);
  const actual = await withDatabase(options.databaseUrl, describeDatabase);
  // Only what the model describes counts: other tables of the database are not ours to judge.
  const tables = Object.values(model.tables).map((t) => tableKey(t.schema, t.name));
  const scoped = new Map(
    [...actual].filter(
      ([key]) => expected.has(key) || tables.some((t) => key.includes(`:${t}.`) || key.endsWith(`:${t}`)),
    ),
  );
  const differences = describeDifferences(expected, scoped);
  if (differences.length > 0) {
    throw new TidemarkError(
      "TM_SCHEMA_MISMATCH",
      `The database has the schema's tables but they differ from the schema:\n  ${differences.join("\n  ")}\nMake the schema describe the database (drizzle-kit pull shows it), then run init again to stamp it.`,
      { details: { differences } },
    );
  }
}

/**
 * Start using Tidemark on a project. New project: write the baseline migration from the schema
 * (validated like any create) and apply it. A database that already has the schema's tables is
 * never re-created: `needs-stamp` is returned (nothing written) so the caller can ask, and with
 * `stampExisting` the baseline is written and recorded as applied after checking the database
 * matches the schema.
 */
export async function initProject(options: InitOptions & InitExtras): Promise<InitResult> {
  const folder = await readMigrationsFolder(options.migrationsDir);
  const model = await snapshotOf(await loadSchemaModule(options.schemaFile), ORIGIN_ID);
  const existingTables = await modelTablesIn(options.databaseUrl, model);
  if (folder.lastEntry) {
    return { status: "already-initialized", revision: folder.lastEntry.tag, existingTables };
  }
  if (Object.keys(model.tables).length === 0) {
    throw new TidemarkError(
      "TM_USAGE",
      `${options.schemaFile} defines no tables yet. Add your drizzle tables (export const users = pgTable(…)), then run init.`,
    );
  }
  if (existingTables.length > 0 && !options.stampExisting) {
    options.logger.info({ existingTables }, "database already has the schema's tables; it can be stamped");
    return { status: "needs-stamp", existingTables };
  }
  if (existingTables.length > 0) await assertMatchesModel(options, model);

  const created = await createMigration({
    migrationsDir: options.migrationsDir,
    schemaFile: options.schemaFile,
    message: options.message ?? "Initial schema",
    databaseUrl: options.databaseUrl,
    scratchUrl: options.scratchUrl,
    logger: options.logger,
  });
  const revision = created.revision as string;
  const ctx = createEngineContext(
    {
      databaseUrl: options.databaseUrl,
      migrationsDir: options.migrationsDir,
      environment: options.environment,
    },
    options.actor ?? processActor("cli"),
    options.logger,
  );
  if (existingTables.length > 0) {
    await stamp(ctx, revision);
    return { status: "stamped", revision, existingTables, created };
  }
  const applied = await upgrade(ctx);
  return { status: "initialized", revision, existingTables, created, applied };
}
