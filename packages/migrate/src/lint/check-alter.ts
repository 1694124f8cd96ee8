import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, Node, TypeName } from "libpg-query";
import { type CheckContext, checkConcurrently, constraintKey } from "./context.js";
import { relationKey } from "./schema.js";
import { classifyTypeChange, columnTypeOf, describeType } from "./typechange.js";

const SERIALS = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

/** Rules for each sub-command of an ALTER TABLE, in order (a statement may carry several). */
export function checkAlterTable(stmt: AlterTableStmt, ctx: CheckContext): void {
  // ALTER INDEX / VIEW / SEQUENCE share this node; only tables hold rows the rules protect.
  if (stmt.objtype !== undefined && stmt.objtype !== "OBJECT_TABLE") return;
  const table = relationKey(stmt.relation);
  if (!table) return;
  for (const node of stmt.cmds ?? []) {
    if ("AlterTableCmd" in node) checkCommand(table, node.AlterTableCmd, ctx);
  }
}

function checkCommand(table: string, cmd: AlterTableCmd, ctx: CheckContext): void {
  const { schema } = ctx;
  const column = cmd.name ?? "";
  switch (cmd.subtype) {
    case "AT_AddColumn": {
      const def = columnDef(cmd.def);
      if (def?.colname) addColumn(table, def, ctx);
      return;
    }
    case "AT_DropColumn":
      if (!schema.isNew(table))
        ctx.emit("drop-column", `Drops column ${table}.${column} and every value in it.`);
      schema.dropColumn(table, column);
      return;
    case "AT_AlterColumnType": {
      const def = columnDef(cmd.def);
      if (def) alterType(table, column, def, ctx);
      return;
    }
    case "AT_SetNotNull":
      setNotNull(table, column, ctx);
      return;
    case "AT_AddConstraint": {
      const con = cmd.def && "Constraint" in cmd.def ? cmd.def.Constraint : undefined;
      if (con) addConstraint(table, con, ctx);
      return;
    }
    case "AT_ValidateConstraint": {
      const rule = ctx.notValid.get(constraintKey(table, column));
      if (rule && ctx.transactional) {
        ctx.emit(
          rule,
          `Validates ${column} on ${table} in the same transaction that added it NOT VALID, so the ADD's lock is held for the whole scan.`,
          `Move \`ALTER TABLE ${table} VALIDATE CONSTRAINT ${column}\` into a later migration.`,
        );
      }
      schema.validateConstraint(table, column);
      return;
    }
    case "AT_DropConstraint":
      schema.dropConstraint(table, column);
      return;
    case "AT_DetachPartition":
      if (cmd.def && "PartitionCmd" in cmd.def && cmd.def.PartitionCmd.concurrent) {
        checkConcurrently(ctx, `ALTER TABLE ${table} DETACH PARTITION … CONCURRENTLY`);
      }
      return;
    default:
      return;
  }
}

function addColumn(table: string, def: ColumnDef, ctx: CheckContext): void {
  const column = def.colname ?? "";
  const kinds = new Set(constraints(def.constraints).map((c) => c.contype));
  if (ctx.schema.isExisting(table)) {
    const notNull = kinds.has("CONSTR_NOTNULL") || kinds.has("CONSTR_PRIMARY");
    const filled =
      kinds.has("CONSTR_DEFAULT") ||
      kinds.has("CONSTR_IDENTITY") ||
      kinds.has("CONSTR_GENERATED") ||
      isSerial(def.typeName);
    if (notNull && !filled) {
      ctx.emit(
        "add-not-null-column-without-default",
        `Adds NOT NULL column ${table}.${column} without a DEFAULT; it fails as soon as ${table} has a row.`,
      );
    }
    if (kinds.has("CONSTR_UNIQUE") || kinds.has("CONSTR_PRIMARY")) {
      ctx.emit(
        "create-index-not-concurrently",
        `Adds ${table}.${column} with a UNIQUE/PRIMARY KEY index built while writes to ${table} are blocked.`,
      );
    }
  }
  ctx.schema.setColumn(table, column, columnTypeOf(def.typeName));
}

function alterType(table: string, column: string, def: ColumnDef, ctx: CheckContext): void {
  const from = ctx.schema.columnType(table, column);
  const to = columnTypeOf(def.typeName);
  const change = classifyTypeChange(from, to, def.raw_default !== undefined);
  const target = to ? describeType(to) : "a new type";
  if (change === "narrow" && from && !ctx.schema.isNew(table)) {
    ctx.emit(
      "narrow-type",
      `Narrows ${table}.${column} from ${describeType(from)} to ${target}; values that do not fit fail the migration or are rounded/truncated.`,
    );
  } else if (change === "rewrite" && ctx.schema.isExisting(table)) {
    const was = from ? ` from ${describeType(from)}` : "";
    ctx.emit(
      "type-change-rewrites-table",
      `Changes ${table}.${column}${was} to ${target}, which rewrites ${table} and its indexes under an exclusive lock.`,
    );
  } else if (change === "unknown" && ctx.schema.isExisting(table)) {
    ctx.emit(
      "type-change-rewrites-table",
      `Changes ${table}.${column} to ${target}; its previous type is not in the migrations linted, so this may rewrite ${table} (and fail if the new type is narrower).`,
    );
  }
  ctx.schema.setColumn(table, column, to);
}

function setNotNull(table: string, column: string, ctx: CheckContext): void {
  if (!ctx.schema.isExisting(table) || ctx.schema.hasValidNotNullCheck(table, column)) return;
  ctx.emit(
    "set-not-null",
    `Sets ${table}.${column} NOT NULL, scanning all of ${table} under an ACCESS EXCLUSIVE lock.`,
    `ALTER TABLE ${table} ADD CONSTRAINT ${column}_not_null CHECK (${column} IS NOT NULL) NOT VALID; then, in a later migration, VALIDATE CONSTRAINT ${column}_not_null, SET NOT NULL and DROP CONSTRAINT ${column}_not_null.`,
  );
}

function addConstraint(table: string, con: Constraint, ctx: CheckContext): void {
  const { schema } = ctx;
  const name = con.conname ?? "";
  const existing = schema.isExisting(table);
  const label = name ? `constraint ${name}` : "a constraint";
  switch (con.contype) {
    case "CONSTR_FOREIGN": {
      const target = con.pktable?.relname ?? "another table";
      if (con.skip_validation) ctx.notValid.set(constraintKey(table, name), "fk-without-not-valid");
      else if (existing) {
        ctx.emit(
          "fk-without-not-valid",
          `Adds foreign key ${label} from ${table} to ${target} and validates every row at once.`,
        );
      }
      return;
    }
    case "CONSTR_CHECK": {
      const column = notNullTestColumn(con.raw_expr);
      if (name && column) schema.addNotNullCheck(table, name, column, !con.skip_validation);
      if (con.skip_validation) ctx.notValid.set(constraintKey(table, name), "check-without-not-valid");
      else if (existing) {
        ctx.emit(
          "check-without-not-valid",
          `Adds check ${label} on ${table} and validates every row at once.`,
        );
      }
      return;
    }
    case "CONSTR_UNIQUE":
    case "CONSTR_PRIMARY":
    case "CONSTR_EXCLUSION":
      if (existing && !con.indexname) {
        const idx = name || `${table}_key`;
        ctx.emit(
          "create-index-not-concurrently",
          `Adds ${label} on ${table}, building its index while writes to ${table} are blocked.`,
          `CREATE UNIQUE INDEX CONCURRENTLY ${idx} ON ${table} (…) in a migration of its own, then ALTER TABLE ${table} ADD CONSTRAINT ${idx} ${con.contype === "CONSTR_PRIMARY" ? "PRIMARY KEY" : "UNIQUE"} USING INDEX ${idx}.`,
        );
      }
      return;
    case "CONSTR_NOTNULL": {
      const key = con.keys?.[0];
      const column = key && "String" in key ? key.String.sval : undefined;
      if (column && !con.skip_validation) setNotNull(table, column, ctx);
      return;
    }
    default:
      return;
  }
}

function columnDef(def: Node | undefined): ColumnDef | undefined {
  return def && "ColumnDef" in def ? def.ColumnDef : undefined;
}

function constraints(nodes: Node[] | undefined): Constraint[] {
  return (nodes ?? []).flatMap((n) => ("Constraint" in n ? [n.Constraint] : []));
}

function isSerial(typeName: TypeName | undefined): boolean {
  const last = typeName?.names?.at(-1);
  return last !== undefined && "String" in last && SERIALS.has(last.String.sval ?? "");
}

/** The column of a `col IS NOT NULL` check expression, if that is all the check says. */
function notNullTestColumn(expr: Node | undefined): string | undefined {
  if (!expr || !("NullTest" in expr) || expr.NullTest.nulltesttype !== "IS_NOT_NULL") return undefined;
  const arg = expr.NullTest.arg;
  const fields = arg && "ColumnRef" in arg ? (arg.ColumnRef.fields ?? []) : [];
  const only = fields.length === 1 ? fields[0] : undefined;
  return only && "String" in only ? only.String.sval : undefined;
}
