/**
 * Prove generated down migrations on one scratch database, incrementally: with ups 1..k−1
 * applied the schema is A; up k then down k must give A again. After a proof the up is
 * re-applied and the walk goes on, so a 300-migration history costs one pass, not 300.
 */
import { describeDifferences, type SchemaDescription } from "../authoring/describe.js";
import { withScratchDatabase } from "../authoring/scratch.js";
import { type Sql, withDatabase } from "../connection.js";
import { blocksFor, parseScript, statementsFor } from "../statements.js";
import { describeSchema } from "./catalog.js";

/** One migration of the walk. */
export interface ProofStep {
  tag: string;
  kind: "sql" | "ts";
  up: string;
  /** The up escapes a single transaction (decided from its parse tree by the survey). */
  upOutside: boolean;
  /** The generated down to prove; undefined when this migration needs no proof. */
  down?: string;
}

/** The verdict on one generated down: proven, or why not. */
export type ProofResult = { proven: true } | { proven: false; reason: string };

interface Script {
  blocks: string[];
  outside: boolean;
}

/**
 * What to send in `environment`, the way the engine sends it: a transactional file block by
 * block inside one transaction; a file that runs outside one statement by statement, since a
 * multi-statement query would be one implicit transaction. A generated down says how it runs
 * in its own directive.
 */
async function script(text: string, environment: string, outside?: boolean): Promise<Script> {
  const parsed = await parseScript(text);
  const runsOutside = outside ?? !parsed.mode.transactional;
  const statements = runsOutside ? statementsFor(parsed, environment)?.map((s) => s.sql) : undefined;
  return { blocks: statements ?? blocksFor(parsed, environment).map((b) => b.sql), outside: runsOutside };
}

async function runBlocks(sql: Sql, blocks: string[]): Promise<void> {
  for (const b of blocks) await sql.unsafe(b).simple();
}

async function run(sql: Sql, s: Script): Promise<void> {
  if (!s.outside) {
    await sql.begin((tx) => runBlocks(tx as unknown as Sql, s.blocks));
    return;
  }
  await runBlocks(sql, s.blocks);
  // A BEGIN the file left open is committed after its last statement, as the engine and drizzle do.
  await sql.unsafe("commit").simple();
}

/** Empty the scratch database: every user schema and extension, then a fresh public schema. */
async function reset(sql: Sql): Promise<void> {
  const schemas = (await sql.unsafe(`select nspname from pg_namespace
    where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\\_%'`)) as unknown as {
    nspname: string;
  }[];
  for (const { nspname } of schemas) await sql.unsafe(`drop schema "${nspname}" cascade`);
  for (const e of (await sql.unsafe(
    "select extname from pg_extension where extname <> 'plpgsql'",
  )) as unknown as { extname: string }[]) {
    await sql.unsafe(`drop extension if exists "${e.extname}" cascade`);
  }
  await sql.unsafe("create schema public");
}

const message = (err: unknown) => (err as Error).message.split("\n")[0];

function compare(before: SchemaDescription, after: SchemaDescription): ProofResult {
  const problems = describeDifferences(before, after, 3);
  if (problems.length === 0) return { proven: true };
  return { proven: false, reason: `the down does not restore the schema: ${problems.join("; ")}` };
}

class Undo extends Error {}

/**
 * Both files transactional: up k, then down k in a savepoint that is always rolled back, all in
 * one transaction. The database ends at k whatever the verdict, with no rebuild.
 */
async function proveInTransaction(
  sql: Sql,
  up: Script,
  down: Script,
  before: SchemaDescription,
): Promise<{ result: ProofResult; after: SchemaDescription }> {
  let result: ProofResult = { proven: true };
  const after = await sql.begin(async (raw) => {
    const tx = raw as unknown as Sql & { savepoint: (fn: (sp: Sql) => Promise<void>) => Promise<void> };
    await runBlocks(tx, up.blocks);
    await tx
      .savepoint(async (sp) => {
        try {
          await runBlocks(sp, down.blocks);
        } catch (err) {
          result = { proven: false, reason: `the down fails: ${message(err)}` };
          throw new Undo();
        }
        result = compare(before, await describeSchema(sp));
        throw new Undo();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Undo)) throw err;
      });
    return describeSchema(tx);
  });
  return { result, after };
}

/** Files outside a transaction: for real, and rebuilt from the ups when the down did not restore. */
async function proveForReal(
  sql: Sql,
  steps: Script[],
  down: Script,
  before: SchemaDescription,
): Promise<{ result: ProofResult; after: SchemaDescription }> {
  const up = steps.at(-1) as Script;
  await run(sql, up);
  let result: ProofResult;
  try {
    await run(sql, down);
    result = compare(before, await describeSchema(sql));
  } catch (err) {
    result = { proven: false, reason: `the down fails: ${message(err)}` };
  }
  if (result.proven) await run(sql, up);
  else {
    // The database is somewhere between k−1 and k: rebuild it at k from the ups.
    await reset(sql);
    for (const s of steps) await run(sql, s);
  }
  return { result, after: await describeSchema(sql) };
}

/** Options of {@link proveDowns}. */
export interface ProveOptions {
  serverUrl: string;
  environment: string;
  onStep?: (index: number, tag: string) => void;
}

/**
 * Walk the history on a scratch database and prove every step that carries a `down`. A step
 * whose up fails (or a TypeScript migration, which needs the engine) ends the walk: every
 * later down is reported unproven with the reason.
 */
export async function proveDowns(
  steps: ProofStep[],
  options: ProveOptions,
): Promise<Map<string, ProofResult>> {
  const results = new Map<string, ProofResult>();
  if (!steps.some((s) => s.down !== undefined)) return results;
  await withScratchDatabase(options.serverUrl, (url) =>
    withDatabase(url, async (sql) => {
      let schema: SchemaDescription | null = null;
      let blocked: string | null = null;
      const scripts: Script[] = [];
      for (const [i, step] of steps.entries()) {
        options.onStep?.(i, step.tag);
        if (blocked) {
          if (step.down !== undefined) results.set(step.tag, { proven: false, reason: blocked });
          continue;
        }
        try {
          if (step.kind === "ts") throw new Error("a TypeScript migration cannot be applied by the proof");
          const up = await script(step.up, options.environment, step.upOutside);
          scripts.push(up);
          if (step.down === undefined) {
            await run(sql, up);
            schema = null;
            continue;
          }
          schema ??= await describeSchema(sql);
          const down = await script(step.down, options.environment);
          const proof: { result: ProofResult; after: SchemaDescription } =
            up.outside || down.outside
              ? await proveForReal(sql, scripts, down, schema)
              : await proveInTransaction(sql, up, down, schema);
          results.set(step.tag, proof.result);
          schema = proof.after;
        } catch (err) {
          blocked = `up ${step.tag} does not apply on an empty database, so this down could not be checked: ${message(err)}`;
          if (step.down !== undefined && !results.has(step.tag))
            results.set(step.tag, { proven: false, reason: blocked });
        }
      }
    }),
  );
  return results;
}
