import type { Sql } from "../connection.js";

/**
 * A database's schema as a flat map `kind:qualified.name` → definition, built from the catalog
 * with PostgreSQL's own deparsers (format_type, pg_get_constraintdef, pg_get_indexdef…).
 *
 * Why not compare `pg_dump --schema-only` text: a dump lists columns in physical order, so a
 * column added by ALTER lands last while a table created from the model has it in place, and a
 * renamed table keeps its serial sequence and `_pkey` names. Both are the same schema for the
 * application and for drizzle-kit. Here columns are keyed by name, the primary key by its table,
 * and a column's own serial/identity sequence by its column, so only real differences remain.
 */
export type SchemaDescription = Map<string, string>;

// Bookkeeping of drizzle's migrator and Tidemark: present after migrations, never in the model.
const HIDDEN = ["pg_catalog", "information_schema", "drizzle", "tidemark"];

const USER_NAMESPACES = `
  select oid, nspname from pg_namespace
  where nspname not in (${HIDDEN.map((s) => `'${s}'`).join(", ")})
    and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%'`;

type Query = <T>(text: string) => Promise<T[]>;

/** Schemas, tables, views and their row-level security. */
async function readRelations(q: Query, out: SchemaDescription): Promise<void> {
  for (const r of await q<{ nspname: string }>("select nspname from ns")) out.set(`schema:${r.nspname}`, "");

  const relations = await q<{
    s: string;
    t: string;
    kind: string;
    rls: boolean;
    force: boolean;
    def: string | null;
  }>(`
    select ns.nspname s, c.relname t, c.relkind::text kind, c.relrowsecurity rls, c.relforcerowsecurity force,
      case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end def
    from pg_class c join ns on ns.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'f')`);
  for (const r of relations) {
    out.set(
      `relation:${r.s}.${r.t}`,
      `${r.kind} rls=${r.rls} force=${r.force}${r.def ? ` ${r.def.trim()}` : ""}`,
    );
  }
}

/** Columns with type, nullability, default (a column's own sequence normalized), identity. */
async function readColumns(q: Query, out: SchemaDescription): Promise<void> {
  const owned = await q<{ s: string; t: string; c: string; seq: string }>(`
    select ns.nspname s, t.relname t, a.attname c, seq.relname seq
    from pg_depend d
    join pg_class seq on seq.oid = d.objid and seq.relkind = 'S'
    join pg_class t on t.oid = d.refobjid
    join ns on ns.oid = t.relnamespace
    join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
    where d.deptype in ('a', 'i') and d.refobjsubid > 0`);
  const ownedBy = new Map(owned.map((o) => [`${o.s}.${o.t}.${o.c}`, o.seq]));

  const columns = await q<{
    s: string;
    t: string;
    c: string;
    type: string;
    notnull: boolean;
    def: string | null;
    identity: string;
    generated: string;
  }>(`
    select ns.nspname s, c.relname t, a.attname c, format_type(a.atttypid, a.atttypmod) type,
      a.attnotnull notnull, pg_get_expr(d.adbin, d.adrelid) def, a.attidentity::text identity,
      a.attgenerated::text generated
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p', 'v', 'm', 'f')
    join ns on ns.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped`);
  for (const r of columns) {
    const key = `${r.s}.${r.t}.${r.c}`;
    const seq = ownedBy.get(key);
    // The column's own sequence keeps its creation-time name across table renames; it is the same default.
    const def =
      r.def && seq
        ? r.def.replace(/nextval\('[^']*'::regclass\)/, (m) =>
            m.includes(seq) ? "nextval(<owned sequence>)" : m,
          )
        : r.def;
    const parts = [
      r.type,
      r.notnull ? "not null" : "nullable",
      def ? `default ${def}` : "",
      r.identity ? `identity ${r.identity}` : "",
      r.generated ? `generated ${r.generated}` : "",
    ];
    out.set(`column:${key}`, parts.filter(Boolean).join(" "));
  }
}

/** Constraints and the indexes that back no constraint. */
async function readConstraints(q: Query, out: SchemaDescription): Promise<void> {
  const constraints = await q<{ s: string; t: string; name: string; type: string; def: string }>(`
    select ns.nspname s, c.relname t, con.conname name, con.contype::text type, pg_get_constraintdef(con.oid) def
    from pg_constraint con join pg_class c on c.oid = con.conrelid join ns on ns.oid = c.relnamespace`);
  for (const r of constraints) {
    // drizzle leaves an inline primary key unnamed, so PostgreSQL names it after the table at creation time.
    const key = r.type === "p" ? `primary-key:${r.s}.${r.t}` : `constraint:${r.s}.${r.t}.${r.name}`;
    out.set(key, r.def);
  }

  const indexes = await q<{ s: string; name: string; def: string }>(`
    select ns.nspname s, ic.relname name, pg_get_indexdef(ix.indexrelid) def
    from pg_index ix join pg_class ic on ic.oid = ix.indexrelid join ns on ns.oid = ic.relnamespace
    where not exists (select 1 from pg_constraint con where con.conindid = ix.indexrelid)`);
  for (const r of indexes) out.set(`index:${r.s}.${r.name}`, r.def);
}

/** Enums, free-standing sequences and row-level security policies. */
async function readTypesAndPolicies(q: Query, out: SchemaDescription): Promise<void> {
  const enums = await q<{ s: string; name: string; labels: string[] }>(`
    select ns.nspname s, t.typname name, array_agg(e.enumlabel order by e.enumsortorder) labels
    from pg_type t join pg_enum e on e.enumtypid = t.oid join ns on ns.oid = t.typnamespace
    group by ns.nspname, t.typname`);
  for (const r of enums) out.set(`enum:${r.s}.${r.name}`, r.labels.join(", "));

  const sequences = await q<{ s: string; name: string; def: string }>(`
    select ns.nspname s, c.relname name,
      concat_ws(' ', format_type(q.seqtypid, null), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle) def
    from pg_sequence q join pg_class c on c.oid = q.seqrelid join ns on ns.oid = c.relnamespace
    where not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i') and d.refobjsubid > 0)`);
  for (const r of sequences) out.set(`sequence:${r.s}.${r.name}`, r.def);

  const policies = await q<{ s: string; t: string; name: string; def: string }>(`
    select p.schemaname s, p.tablename t, p.policyname name,
      concat_ws(' ', p.permissive, p.cmd, p.roles::text, p.qual, p.with_check) def
    from pg_policies p join ns on ns.nspname = p.schemaname`);
  for (const r of policies) out.set(`policy:${r.s}.${r.t}.${r.name}`, r.def);
}

/** Read the description of the database `sql` is connected to. */
export async function describeDatabase(sql: Sql): Promise<SchemaDescription> {
  const out: SchemaDescription = new Map();
  const q: Query = <T>(text: string) =>
    sql.unsafe(`with ns as (${USER_NAMESPACES}) ${text}`) as unknown as Promise<T[]>;
  for (const read of [readRelations, readColumns, readConstraints, readTypesAndPolicies]) await read(q, out);
  return out;
}

/** Human-readable differences between two descriptions, at most `limit` of them. */
export function describeDifferences(
  expected: SchemaDescription,
  actual: SchemaDescription,
  limit = 20,
): string[] {
  const out: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(key);
    const got = actual.get(key);
    if (want === got) continue;
    if (got === undefined) out.push(`${key} is missing (expected: ${want || "present"})`);
    else if (want === undefined) out.push(`${key} should not exist (found: ${got || "present"})`);
    else out.push(`${key}: expected ${want}, found ${got}`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}
