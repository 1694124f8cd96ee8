import { randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isTidemarkError, TidemarkError } from "../errors.js";
import { readMigrations } from "../journal.js";
import { lintMigrations } from "../lint/index.js";
import { diffSnapshots } from "./diff.js";
import { snapshotOf } from "./drizzle-kit.js";
import { dropsRefused, type PlannedDrop, plannedDrops } from "./drops.js";
import { recreateEnumsInDown } from "./enum-down.js";
import { type MigrationsFolder, readMigrationsFolder } from "./folder.js";
import { slugMessage } from "./message.js";
import { resolveRenames } from "./renames.js";
import { invertPlan } from "./rewrite.js";
import { loadSchemaModule } from "./schema-loader.js";
import { isEmptyModel, orderSnapshot, type Snapshot } from "./snapshot.js";
import { customDownTemplate, customUpTemplate, tsTemplate } from "./templates.js";
import type { CreateOptions, CreateResult, DestructiveStatement } from "./types.js";
import { markDownUnverified, type UnverifiedDown, unverifiedDownOf } from "./unverified.js";
import { validateMigration } from "./validate.js";
import { joinStatements, nextTag, type PlannedMigration, planMigration, writeMigration } from "./writer.js";

/** Lint rules whose findings mean the migration loses data or fails on existing rows. */
const DESTRUCTIVE_RULES = new Set([
  "drop-table",
  "drop-column",
  "narrow-type",
  "truncate",
  "delete-without-where",
]);

/** A copy of the folder with the new migration in it, removed after `fn`: what the checks run on. */
async function withStagedFolder<T>(
  folder: MigrationsFolder,
  planned: PlannedMigration,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const root = await mkdtemp(path.join(tmpdir(), "tm-create-"));
  const dir = path.join(root, "migrations");
  try {
    await mkdir(dir, { recursive: true });
    if (folder.journal.entries.length > 0) await cp(folder.dir, dir, { recursive: true });
    await writeMigration(dir, planned);
    return await fn(dir);
  } catch (err) {
    throw outsideStagedFolder(err, dir, folder.dir, planned.tag);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The staged copy is deleted before the user reads the error: name the new migration's files
 * by their bare names (they were not written) and every other file where it really is.
 */
function outsideStagedFolder(err: unknown, stagedDir: string, realDir: string, tag: string): unknown {
  if (!isTidemarkError(err) || !err.message.includes(stagedDir)) return err;
  const message = err.message
    .replaceAll(`${path.join(stagedDir, tag)}.`, `${tag}.`)
    .replaceAll(stagedDir, realDir);
  return new TidemarkError(err.code, message, { cause: err, details: err.details });
}

async function destructiveOf(
  stagedDir: string,
  tag: string,
  upSql: string[],
): Promise<DestructiveStatement[]> {
  // Linting the whole staged history lets the linter know each column's previous type.
  const report = await lintMigrations(await readMigrations(stagedDir), { revisions: [tag] });
  return report.findings
    .filter((f) => DESTRUCTIVE_RULES.has(f.rule))
    .map((f) => ({
      statement: upSql.find((s) => s.trim().replace(/;$/, "") === f.statement) ?? f.statement,
      reason: f.message,
    }));
}

function customSnapshot(previous: Snapshot): Snapshot {
  // drizzle-kit's custom migrations copy the previous snapshot under a new id.
  return orderSnapshot(
    { ...previous, id: randomUUID(), prevId: previous.id },
    { columns: {}, schemas: {}, tables: {} },
  );
}

/** Let drops of tables/columns through only when allowed or confirmed; nothing is written otherwise. */
async function gateDrops(drops: PlannedDrop[], options: CreateOptions): Promise<void> {
  if (drops.length === 0 || options.allowDrop) return;
  if (!options.confirmDrops) throw dropsRefused(drops);
  await options.confirmDrops(drops);
}

/**
 * Prove `planned` on scratch databases, lint it, then write it. A generated down that fails
 * there is written anyway, marked for hand-editing (unverified.ts); any other failure writes nothing.
 */
async function proveAndWrite(
  folder: MigrationsFolder,
  planned: PlannedMigration,
  sql: { previous: Snapshot; current: Snapshot; up: string[]; down: string[] },
  options: CreateOptions,
): Promise<CreateResult> {
  const outcome: { unverified: UnverifiedDown | null } = { unverified: null };
  const destructive = await withStagedFolder(folder, planned, async (stagedDir) => {
    try {
      await validateMigration({
        stagedDir,
        tag: planned.tag,
        previousTag: folder.lastEntry?.tag ?? null,
        previous: sql.previous,
        current: sql.current,
        serverUrl: options.scratchUrl ?? options.databaseUrl,
        logger: options.logger,
      });
    } catch (err) {
      outcome.unverified = unverifiedDownOf(err, folder.dir, planned.tag);
      if (!outcome.unverified) throw err;
    }
    return destructiveOf(stagedDir, planned.tag, sql.up);
  });
  const { unverified } = outcome;
  const files = await writeMigration(
    folder.dir,
    unverified ? markDownUnverified(planned, unverified) : planned,
  );
  const fields = { revision: planned.tag, statements: sql.up.length, destructive: destructive.length };
  if (unverified)
    options.logger.warn({ ...fields, reason: unverified.reason }, "migration created, down unverified");
  else options.logger.info(fields, "migration created and validated");
  return {
    status: "created",
    revision: planned.tag,
    files,
    upSql: sql.up,
    downSql: sql.down,
    destructive,
    validated: !unverified,
    ...(unverified ? { unverifiedDown: unverified } : {}),
  };
}

/**
 * Author a migration: diff the schema module against the newest snapshot with drizzle-kit,
 * resolve renames without prompting drizzle-kit, generate the down by diffing back, prove both on
 * scratch databases, and only then write `NNNN_slug.sql`, `.down.sql`, the snapshot and the
 * journal entry in drizzle-kit's format. `custom`/`ts` write a template instead (not validated:
 * there is nothing to run yet). Nothing is written on any failure or when nothing changed.
 */
export async function createMigration(options: CreateOptions): Promise<CreateResult> {
  const slug = slugMessage(options.message);
  if (options.custom && options.ts) {
    throw new TidemarkError("TM_USAGE", "Choose one of --custom (SQL) and --ts (TypeScript), not both.");
  }
  const folder = await readMigrationsFolder(options.migrationsDir);
  const previous = folder.latest;
  const message = options.message.trim();

  if (options.custom || options.ts) {
    const snapshot = customSnapshot(previous);
    const tag = nextTag(folder.journal, slug);
    const body = options.ts
      ? ({ kind: "ts", source: tsTemplate(tag, message) } as const)
      : ({
          kind: "sql",
          up: customUpTemplate(tag, message),
          down: customDownTemplate(tag, message),
        } as const);
    const planned = planMigration(folder.dir, folder.journal, tag, snapshot, body);
    const files = await writeMigration(folder.dir, planned);
    options.logger.info({ revision: planned.tag, files }, "custom migration created");
    return {
      status: "created",
      revision: planned.tag,
      files,
      upSql: [],
      downSql: [],
      destructive: [],
      validated: false,
    };
  }

  const schema = await loadSchemaModule(options.schemaFile);
  const current = await snapshotOf(schema, previous.id);
  if (isEmptyModel(current) && !isEmptyModel(previous)) {
    throw new TidemarkError(
      "TM_GENERATE_FAILED",
      `${options.schemaFile} exports no tables, enums or views, so the migration would drop everything. Check that the schema file exports its tables (export const users = pgTable(…)).`,
    );
  }
  const plan = await resolveRenames(previous, current, options.renames, options.resolveRename);
  await gateDrops(plannedDrops(previous, current, plan), options);
  const up = await diffSnapshots(previous, current, plan);
  if (up.statements.length === 0) {
    options.logger.info({ schemaFile: options.schemaFile }, "no schema changes, nothing to migrate");
    return { status: "no-changes", files: [], upSql: [], downSql: [], destructive: [], validated: false };
  }
  const reverse = await diffSnapshots(current, previous, invertPlan(plan));
  const down = { statements: recreateEnumsInDown(reverse.statements, current, previous) };
  const snapshot = orderSnapshot(current, up.meta);
  const planned = planMigration(folder.dir, folder.journal, nextTag(folder.journal, slug), snapshot, {
    kind: "sql",
    up: joinStatements(up.statements),
    down: joinStatements(down.statements),
  });

  return proveAndWrite(
    folder,
    planned,
    { previous, current, up: up.statements, down: down.statements },
    options,
  );
}
