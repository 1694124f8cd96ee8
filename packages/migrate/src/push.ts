import { loadSchemaModule } from "./authoring/schema-loader.js";
import type { Sql } from "./connection.js";
import { TidemarkError } from "./errors.js";
import type { EngineContext } from "./types.js";

/** The schema the caller configured: an object, else the module `TIDEMARK_SCHEMA_FILE` names. */
async function schemaOf(ctx: EngineContext): Promise<Record<string, unknown>> {
  if (ctx.schema) return ctx.schema;
  if (!ctx.schemaFile) {
    throw new TidemarkError(
      "TM_CONFIG_INVALID",
      "There are no migrations and no schema to create tables from. Set TIDEMARK_SCHEMA_FILE to your drizzle schema module, or create a first migration with pnpm cli init.",
    );
  }
  return loadSchemaModule(ctx.schemaFile);
}

/**
 * No migrations at all: create the tables straight from the drizzle schema. Only ever reached
 * with an empty migrations folder, never after a failed migration. The SQL comes from diffing an
 * empty snapshot against the schema with drizzle-kit's API (drizzle-kit's pushSchema introspects
 * with a spinner and calls process.exit on errors, which a server must never do).
 */
export async function pushSchemaTables(sql: Sql, ctx: EngineContext): Promise<string[]> {
  ctx.logger.info({ migrationsDir: ctx.migrationsDir }, "🔧 Creating database tables...");
  // Loaded lazily: drizzle-kit is large and only this rare path needs it.
  const { generateDrizzleJson, generateMigration } = await import("drizzle-kit/api");
  const schema = await schemaOf(ctx);
  const target = generateDrizzleJson(schema);
  const tables = Object.values(target.tables as Record<string, { schema: string; name: string }>);
  const wanted = tables.map((t) => ({ schema: t.schema || "public", name: t.name }));
  const existing = await sql<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name from information_schema.tables
    where (table_schema || '.' || table_name) in ${sql(wanted.map((t) => `${t.schema}.${t.name}`))}`;
  if (existing.length === wanted.length) return [];
  if (existing.length > 0) {
    throw new TidemarkError(
      "TM_SCHEMA_MISMATCH",
      `Some tables of the schema already exist (${existing.map((t) => t.name).join(", ")}) but not all, and there are no migrations to reconcile them. Create a baseline with pnpm cli init.`,
    );
  }
  const statements = await generateMigration(generateDrizzleJson({}), target);
  await sql.begin(async (tx) => {
    for (const statement of statements) await tx.unsafe(statement);
  });
  return statements;
}
