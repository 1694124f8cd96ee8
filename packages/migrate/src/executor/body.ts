import type { Sql } from "../connection.js";
import { TidemarkError } from "../errors.js";
import type { RunMode } from "../run-mode.js";
import { blocksFor, readScript, type SqlBlock, type SqlStatement, statementsFor } from "../statements.js";
import type { EngineContext, Migration, ProgressEvent } from "../types.js";
import { migrationLogger } from "./migration-log.js";

/** The context a TypeScript migration's `up`/`down` receives (README.md, "Data changes"). */
export interface CodeMigrationContext {
  sql: Sql;
  env: string;
  log: EngineContext["logger"];
}

interface CodeMigration {
  up?: (ctx: CodeMigrationContext) => Promise<void>;
  down?: (ctx: CodeMigrationContext) => Promise<void>;
}

/** What one step runs: a TypeScript function, or a SQL file in its run mode. */
export type Body =
  | { kind: "code"; file: string; statements: number; run: (sql: Sql) => Promise<void> }
  | {
      kind: "sql";
      file: string;
      statements: number;
      blocks: SqlBlock[];
      /** Parsed (or keyword-free) and transactional: a rolled-back replay cannot commit anything. */
      replaySafe: boolean;
    }
  | {
      kind: "outside";
      file: string;
      statements: number;
      mode: Extract<RunMode, { transactional: false }>;
      steps: SqlStatement[];
      text: string;
    };

/** jiti compiles TypeScript migrations on the fly; loaded only when one runs. */
async function importCodeMigration(file: string): Promise<CodeMigration> {
  const { createJiti } = await import("jiti");
  return (await createJiti(import.meta.url, { moduleCache: false }).import(file)) as CodeMigration;
}

async function loadCode(
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  onProgress?: (event: ProgressEvent) => void,
): Promise<Body> {
  const fn = (await importCodeMigration(m.file))[direction];
  if (typeof fn !== "function") {
    throw new TidemarkError("TM_DOWN_MISSING", `${m.file} does not export a ${direction}(ctx) function.`, {
      details: { revision: m.tag, file: m.file },
    });
  }
  return {
    kind: "code",
    file: m.file,
    statements: 1,
    run: (sql) => fn({ sql, env: ctx.environment, log: migrationLogger(ctx.logger, m.tag, onProgress) }),
  };
}

/** Load what a step runs; a SQL file's run mode is decided here, once (see run-mode.ts). */
export async function loadBody(
  ctx: EngineContext,
  m: Migration,
  direction: "up" | "down",
  onProgress?: (event: ProgressEvent) => void,
): Promise<Body> {
  if (m.kind === "ts") return loadCode(ctx, m, direction, onProgress);
  const file = direction === "up" ? m.file : m.downFile;
  if (!file) {
    throw new TidemarkError(
      "TM_DOWN_MISSING",
      `Migration ${m.tag} has no ${m.tag}.down.sql, so it cannot be rolled back. Write the down file (or restore from a backup with pnpm cli restore).`,
      { details: { revision: m.tag } },
    );
  }
  const script = await readScript(file);
  const blocks = blocksFor(script, ctx.environment);
  if (script.mode.transactional) {
    return { kind: "sql", file, statements: blocks.length, blocks, replaySafe: script.replaySafe };
  }
  // Unparseable files opted out by the directive still run, block by block, as drizzle sends them.
  const steps =
    statementsFor(script, ctx.environment) ??
    blocks.map((b, i) => ({ number: i + 1, sql: b.sql, line: b.line, environments: b.environments }));
  return { kind: "outside", file, statements: steps.length, mode: script.mode, steps, text: script.text };
}
