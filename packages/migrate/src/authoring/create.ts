import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isTidemarkError, TidemarkError } from "../errors.js";
import { readMigrations } from "../journal.js";
import { acceptFindings, readBaseline } from "../lint/baseline.js";
import { lintMigrations } from "../lint/index.js";
import type { LintFinding } from "../lint/types.js";
import { confirmedFindings, recordingResolver } from "./confirmed.js";
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

async function lintNew(stagedDir: string, tag: string): Promise<LintFinding[]> {
  // Linting the whole staged history lets the linter know each column's previous type.
  return (await lintMigrations(await readMigrations(stagedDir), { revisions: [tag] })).findings;
}

function destructiveOf(findings: LintFinding[], upSql: string[]): DestructiveStatement[] {
  return findings
    .filter((f) => DESTRUCTIVE_RULES.has(f.rule))
    .map((f) => ({
      statement: upSql.find((s) => s.trim().replace(/;$/, "") === f.statement) ?? f.statement,
      reason: f.message,
    }));
}

/** drizzle-kit would overwrite a stray file of the same name; Tidemark never touches it. */
function assertFree(folder: MigrationsFolder, planned: PlannedMigration): void {
  for (const f of planned.files) {
    const file = path.join(folder.dir, f.relative);
    if (f.relative !== path.join("meta", "_journal.json") && existsSync(file)) {
      throw new TidemarkError(
        "TM_JOURNAL_INVALID",
        `${file} already exists but is not in meta/_journal.json, so the new migration cannot take its name. Move the stray file away (or give this migration another message); Tidemark never overwrites it.`,
        { details: { file } },
      );
    }
  }
}

/** Logged at info: the result carries them, and the CLI prints them as warnings (no double print). */
function logWarnings(folder: MigrationsFolder, options: CreateOptions): string[] {
  for (const warning of folder.warnings) options.logger.info({ dir: folder.dir }, warning);
  return folder.warnings;
}

function customSnapshot(previous: Snapshot): Snapshot {
  // drizzle-kit's custom migrations copy the previous snapshot under a new id.
  return orderSnapshot(
    { ...previous, id: randomUUID(), prevId: previous.id },
    { columns: {}, schemas: {}, tables: {} },
  );
}

/**
 * Let drops of tables/columns through only when allowed or confirmed; nothing is written
 * otherwise. True when there were drops and the author accepted them (recorded in the baseline).
 */
async function gateDrops(drops: PlannedDrop[], options: CreateOptions): Promise<boolean> {
  if (drops.length === 0) return false;
  if (options.allowDrop) return true;
  if (!options.confirmDrops) throw dropsRefused(drops);
  await options.confirmDrops(drops);
  return true;
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
  confirmed: (findings: LintFinding[]) => LintFinding[],
): Promise<CreateResult> {
  assertFree(folder, planned);
  // An unreadable lint baseline fails here, before anything is written, not after.
  await readBaseline(folder.dir);
  const outcome: { unverified: UnverifiedDown | null } = { unverified: null };
  const findings = await withStagedFolder(folder, planned, async (stagedDir) => {
    try {
      await validateMigration({
        stagedDir,
        tag: planned.tag,
        previousTag: folder.lastEntry?.tag ?? null,
        previous: sql.previous,
        current: sql.current,
        serverUrl: options.scratchUrl ?? options.databaseUrl,
        settingsFrom: options.databaseUrl,
        logger: options.logger,
      });
    } catch (err) {
      outcome.unverified = unverifiedDownOf(err, folder.dir, planned.tag);
      if (!outcome.unverified) throw err;
    }
    return lintNew(stagedDir, planned.tag);
  });
  const { unverified } = outcome;
  const destructive = destructiveOf(findings, sql.up);
  const files = await writeMigration(
    folder.dir,
    unverified ? markDownUnverified(planned, unverified) : planned,
  );
  const accepted = await acceptFindings(folder.dir, confirmed(findings));
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
    ...(accepted[0] ? { baselined: accepted[0].rules } : {}),
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
  const warnings = logWarnings(folder, options);
  const extra = warnings.length > 0 ? { warnings } : {};

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
    assertFree(folder, planned);
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
      ...extra,
    };
  }

  return { ...(await createFromSchema(folder, options, slug)), ...extra };
}

/** The schema path of {@link createMigration}: diff, resolve renames, gate drops, prove, write. */
async function createFromSchema(
  folder: MigrationsFolder,
  options: CreateOptions,
  slug: string,
): Promise<CreateResult> {
  const previous = folder.latest;
  const schema = await loadSchemaModule(options.schemaFile);
  const current = await snapshotOf(schema, previous.id);
  if (isEmptyModel(current) && !isEmptyModel(previous)) {
    throw new TidemarkError(
      "TM_GENERATE_FAILED",
      `${options.schemaFile} exports no tables, enums or views, so the migration would drop everything. Check that the schema file exports its tables (export const users = pgTable(…)).`,
    );
  }
  const prompt = recordingResolver(options.resolveRename);
  const plan = await resolveRenames(previous, current, options.renames, prompt.resolver);
  prompt.acceptDrops = await gateDrops(plannedDrops(previous, current, plan), options);
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
    (findings) => confirmedFindings(findings, plan, prompt),
  );
}
