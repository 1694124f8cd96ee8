import { describeDatabase, type SchemaDescription } from "../authoring/describe.js";
import type { Sql } from "../connection.js";

// Objects of extensions (pg_trgm's functions and operators) belong to the extension entry.
const NOT_EXTENSION_MEMBER = `not exists (select 1 from pg_depend d where d.objid = %s and d.deptype = 'e')`;
const USER_SCHEMA = `n.nspname not in ('pg_catalog', 'information_schema', 'drizzle', 'tidemark') and n.nspname not like 'pg\\_%'`;

/**
 * The schema as the proof of a down migration compares it: authoring's description (tables,
 * columns by name, types, defaults, constraints, indexes, enums with value order, views,
 * sequences, policies) plus what hand-written SQL adds: functions, triggers and extensions.
 * Read from the catalog directly: far faster than `pg_dump` for hundreds of comparisons.
 */
export async function describeSchema(sql: Sql): Promise<SchemaDescription> {
  const out = await describeDatabase(sql);
  const functions = (await sql.unsafe(`
    select n.nspname s, p.proname name, pg_get_function_identity_arguments(p.oid) args,
      md5(pg_get_functiondef(p.oid)) def
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where ${USER_SCHEMA} and p.prokind in ('f', 'p') and ${NOT_EXTENSION_MEMBER.replace("%s", "p.oid")}`)) as unknown as {
    s: string;
    name: string;
    args: string;
    def: string;
  }[];
  for (const f of functions) out.set(`function:${f.s}.${f.name}(${f.args})`, f.def);
  const triggers = (await sql.unsafe(`
    select n.nspname s, c.relname t, tg.tgname name, pg_get_triggerdef(tg.oid) def
    from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not tg.tgisinternal and ${USER_SCHEMA}`)) as unknown as {
    s: string;
    t: string;
    name: string;
    def: string;
  }[];
  for (const t of triggers) out.set(`trigger:${t.s}.${t.t}.${t.name}`, t.def);
  const extensions = (await sql.unsafe(
    "select extname name, extversion version from pg_extension where extname <> 'plpgsql'",
  )) as unknown as { name: string; version: string }[];
  for (const e of extensions) out.set(`extension:${e.name}`, e.version);
  return out;
}
