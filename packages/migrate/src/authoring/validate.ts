import { rollback } from "../commands/rollback.js";
import { upgrade } from "../commands/upgrade.js";
import { withDatabase } from "../connection.js";
import { createEngineContext, processActor } from "../context.js";
import { TidemarkError } from "../errors.js";
import type { EngineContext, Logger } from "../types.js";
import { describeDatabase, describeDifferences, type SchemaDescription } from "./describe.js";
import { diffSql } from "./drizzle-kit.js";
import { withScratchDatabase } from "./scratch.js";
import { readSearchPath, setDatabaseSearchPath, useSearchPath } from "./search-path.js";
import { emptySnapshot, type Snapshot } from "./snapshot.js";

/** What {@link validateMigration} proves a new migration against. */
export interface ValidationInput {
  /** A copy of the migrations folder that already contains the new migration as its last entry. */
  stagedDir: string;
  /** The new migration's tag and the one before it (null for the first migration). */
  tag: string;
  previousTag: string | null;
  /** Model snapshots before and after the change. */
  previous: Snapshot;
  current: Snapshot;
  /** Server on which scratch databases are created. */
  serverUrl: string;
  /** The project's database, whose `search_path` settings the scratch database copies (if it exists). */
  settingsFrom?: string;
  logger: Logger;
}

// The engine logs every step it takes; on scratch databases that is noise for the author.
function quiet(logger: Logger): Logger {
  return {
    info: logger.debug.bind(logger),
    debug: logger.debug.bind(logger),
    warn: logger.warn.bind(logger),
    error: logger.error.bind(logger),
  };
}

async function describeUrl(url: string): Promise<SchemaDescription> {
  return withDatabase(url, describeDatabase);
}

/**
 * Databases built straight from snapshots with drizzle-kit's CREATE statements: the models, in
 * PostgreSQL. One scratch database serves all of them, emptied between builds. With
 * `settingsFrom`, it gets that database's `search_path`, so type names are described as they
 * are in the databases it is compared with.
 */
export async function describeModels(
  serverUrl: string,
  snapshots: Snapshot[],
  searchPath: string | null = null,
): Promise<SchemaDescription[]> {
  return withScratchDatabase(serverUrl, async (url) => {
    return withDatabase(url, async (sql) => {
      const out: SchemaDescription[] = [];
      for (const snapshot of snapshots) {
        // Roles are cluster-wide: creating them on a shared server would leak out of the scratch database.
        const statements = (await diffSql(emptySnapshot(), snapshot)).filter(
          (s) => !/^\s*create role\b/i.test(s),
        );
        await sql.begin(async (tx) => {
          for (const s of statements) await tx.unsafe(s);
        });
        // Built with the default path (drizzle-kit's public tables are unqualified), described
        // with the project's, so type names read as they do in the database compared with.
        if (searchPath) await useSearchPath(sql, searchPath);
        out.push(await describeDatabase(sql));
        if (searchPath) await sql`reset search_path`;
        await sql.begin(async (tx) => {
          for (const key of out.at(-1)?.keys() ?? []) {
            if (key.startsWith("schema:")) await tx.unsafe(`drop schema "${key.slice(7)}" cascade`);
          }
          await tx.unsafe("create schema if not exists public");
        });
      }
      return out;
    });
  });
}

function generateFailed(
  message: string,
  cause?: unknown,
  details: Record<string, unknown> = {},
): TidemarkError {
  return new TidemarkError("TM_GENERATE_FAILED", message, { cause, details });
}

/**
 * Prove a new migration before it is written, on scratch databases that are always dropped:
 *
 * 1. database A: every existing migration applied by the engine (`upgrade`), described;
 * 2. the new up applied to A; for every object the model change touches (it differs between a
 *    database built from the previous snapshot and one built from the new one), A must now match
 *    the new model, and every other object must be as it was. Comparing only what the change
 *    touches keeps objects that the model does not describe (a hand-written index, a trigger from
 *    a custom migration) from failing every later migration, yet still catches an up that misses
 *    or overshoots the change;
 * 3. the new down applied by the engine (`rollback`): A must be exactly as in step 1.
 */
export async function validateMigration(input: ValidationInput): Promise<void> {
  // The models are built while the history is applied: two scratch databases, side by side.
  const searchPath = input.settingsFrom ? await readSearchPath(input.settingsFrom, input.logger) : null;
  const models = describeModels(input.serverUrl, [input.previous, input.current], searchPath);
  // Settled early so a failure on the other path never leaves it as an unhandled rejection.
  models.catch(() => {});
  try {
    await proveOnHistory(input, models, searchPath);
  } finally {
    // Never return while the model databases are still being built (and dropped).
    await models.catch(() => {});
  }
}

async function proveOnHistory(
  input: ValidationInput,
  models: Promise<SchemaDescription[]>,
  searchPath: string | null,
): Promise<void> {
  await withScratchDatabase(input.serverUrl, async (url) => {
    // Old migrations may name types only through the project's search_path: apply them with it.
    if (searchPath) await setDatabaseSearchPath(url, searchPath);
    const ctx = createEngineContext(
      { databaseUrl: url, migrationsDir: input.stagedDir },
      processActor("cli"),
      quiet(input.logger),
    );
    const before = await applyHistory(ctx, input);
    const [modelBefore = new Map(), modelAfter = new Map()] = await models;
    const drift = describeDifferences(modelBefore, before, 10);
    if (drift.length > 0) {
      input.logger.warn(
        { differences: drift },
        "the existing migrations do not produce the previous snapshot exactly; only this change is checked",
      );
    }
    await proveUp(ctx, input.tag, before, modelBefore, modelAfter);
    await proveDown(ctx, input.previousTag, before);
  });
}

/** Step 1: the existing history on an empty database; returns the schema it builds. */
async function applyHistory(ctx: EngineContext, input: ValidationInput): Promise<SchemaDescription> {
  if (input.previousTag) {
    try {
      await upgrade(ctx, { to: input.previousTag });
    } catch (cause) {
      throw generateFailed(
        `The existing migrations do not apply to an empty database: ${(cause as Error).message} Fix the history first (tidemark verify).`,
        cause,
      );
    }
  }
  return describeUrl(ctx.databaseUrl);
}

/** Step 2: the new up must change exactly what the snapshots say changed. */
async function proveUp(
  ctx: EngineContext,
  tag: string,
  before: SchemaDescription,
  modelBefore: SchemaDescription,
  modelAfter: SchemaDescription,
): Promise<void> {
  try {
    await upgrade(ctx, { to: tag });
  } catch (cause) {
    throw generateFailed(
      `The new migration fails on a database built from your migrations: ${(cause as Error).message}`,
      cause,
    );
  }
  const after = await describeUrl(ctx.databaseUrl);
  const expected = new Map(before);
  for (const key of new Set([...modelBefore.keys(), ...modelAfter.keys()])) {
    if (modelBefore.get(key) === modelAfter.get(key)) continue;
    const value = modelAfter.get(key);
    if (value === undefined) expected.delete(key);
    else expected.set(key, value);
  }
  const upProblems = describeDifferences(expected, after);
  if (upProblems.length > 0) {
    throw generateFailed(
      `After the new migration the database does not match the schema:\n  ${upProblems.join("\n  ")}\nNothing was written. This is a drizzle-kit diff Tidemark cannot express; split the change into smaller migrations or write it with --custom.`,
      undefined,
      { differences: upProblems },
    );
  }
}

/** Step 3: the new down, run by the engine's rollback, must restore the schema of step 1 exactly. */
async function proveDown(
  ctx: EngineContext,
  previousTag: string | null,
  before: SchemaDescription,
): Promise<void> {
  try {
    await rollback(ctx, { to: previousTag ?? "base", noBackup: true });
  } catch (cause) {
    throw generateFailed(
      `The down migration fails after the up: ${(cause as Error).message} Nothing was written.`,
      cause,
      // create writes the migration with this down marked for hand-editing (unverified.ts).
      { step: "down" },
    );
  }
  const restored = await describeUrl(ctx.databaseUrl);
  const downProblems = describeDifferences(before, restored);
  if (downProblems.length > 0) {
    throw generateFailed(
      `The down migration does not restore the previous schema:\n  ${downProblems.join("\n  ")}\nNothing was written. The previous snapshot probably disagrees with what the existing migrations build (a hand-edited migration?); fix that first, or write this change with --custom and a hand-written down.`,
      undefined,
      { differences: downProblems },
    );
  }
}
