import type { DropStmt, Node, RenameStmt } from "libpg-query";
import { checkAlterTable } from "./check-alter.js";
import { type CheckContext, checkConcurrently } from "./context.js";
import { columnsOf, nameListKey, relationKey } from "./schema.js";

/** Run every statement-level rule over one parsed statement, then record its schema effect. */
export function checkStatement(node: Node, ctx: CheckContext): void {
  const { schema } = ctx;
  if ("CreateStmt" in node) {
    const table = relationKey(node.CreateStmt.relation);
    if (table) schema.create(table, columnsOf(node.CreateStmt.tableElts), node.CreateStmt.if_not_exists);
  } else if ("CreateTableAsStmt" in node) {
    const table = relationKey(node.CreateTableAsStmt.into?.rel);
    if (table) schema.create(table, new Map(), node.CreateTableAsStmt.if_not_exists);
  } else if ("SelectStmt" in node) {
    const table = relationKey(node.SelectStmt.intoClause?.rel);
    if (table) schema.create(table, new Map());
  } else if ("DropStmt" in node) {
    checkDrop(node.DropStmt, ctx);
  } else if ("AlterTableStmt" in node) {
    checkAlterTable(node.AlterTableStmt, ctx);
  } else if ("RenameStmt" in node) {
    checkRename(node.RenameStmt, ctx);
  } else if ("IndexStmt" in node) {
    const stmt = node.IndexStmt;
    const table = relationKey(stmt.relation);
    const name = stmt.idxname ? `index ${stmt.idxname}` : "an index";
    if (stmt.concurrent) checkConcurrently(ctx, `CREATE INDEX CONCURRENTLY (${name} on ${table})`);
    else if (table && schema.isExisting(table)) {
      ctx.emit(
        "create-index-not-concurrently",
        `Builds ${name} on existing table ${table} without CONCURRENTLY, blocking writes until it is built.`,
        `CREATE ${stmt.unique ? "UNIQUE " : ""}INDEX CONCURRENTLY … ON ${table} …, in a migration of its own (Tidemark runs it outside a transaction).`,
      );
    }
  } else if ("ReindexStmt" in node) {
    const concurrent = (node.ReindexStmt.params ?? []).some(
      (p) => "DefElem" in p && p.DefElem.defname === "concurrently",
    );
    if (concurrent) checkConcurrently(ctx, "REINDEX … CONCURRENTLY");
  } else if ("DeleteStmt" in node) {
    const table = relationKey(node.DeleteStmt.relation);
    if (table && !node.DeleteStmt.whereClause && !schema.isNew(table)) {
      ctx.emit("delete-without-where", `Deletes every row of ${table}.`);
    }
  } else if ("TruncateStmt" in node) {
    const tables = (node.TruncateStmt.relations ?? [])
      .map((r) => ("RangeVar" in r ? relationKey(r.RangeVar) : undefined))
      .filter((t): t is string => t !== undefined && !schema.isNew(t));
    const cascade = node.TruncateStmt.behavior === "DROP_CASCADE" ? " and every table referencing it" : "";
    if (tables.length > 0) ctx.emit("truncate", `Empties ${tables.join(", ")}${cascade}.`);
  } else if ("TransactionStmt" in node) {
    const kind = node.TransactionStmt.kind;
    if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") ctx.inTransactionBlock = true;
    if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") ctx.inTransactionBlock = false;
  }
}

function checkDrop(stmt: DropStmt, ctx: CheckContext): void {
  if (stmt.removeType === "OBJECT_INDEX" && stmt.concurrent) {
    checkConcurrently(ctx, "DROP INDEX CONCURRENTLY");
    return;
  }
  if (stmt.removeType !== "OBJECT_TABLE") return;
  for (const object of stmt.objects ?? []) {
    const table = nameListKey(object);
    if (!table) continue;
    if (!ctx.schema.isNew(table)) {
      const cascade =
        stmt.behavior === "DROP_CASCADE" ? " (CASCADE also drops views and foreign keys on it)" : "";
      ctx.emit("drop-table", `Drops table ${table} and every row in it${cascade}.`);
    }
    ctx.schema.drop(table);
  }
}

function checkRename(stmt: RenameStmt, ctx: CheckContext): void {
  const table = relationKey(stmt.relation);
  if (!table || !stmt.newname) return;
  if (stmt.renameType === "OBJECT_TABLE") {
    const to = relationKey({ schemaname: stmt.relation?.schemaname, relname: stmt.newname }) ?? stmt.newname;
    if (ctx.schema.isExisting(table)) {
      ctx.emit("rename-table", `Renames table ${table} to ${to} while the running app still uses ${table}.`);
    }
    ctx.schema.rename(table, to);
  } else if (stmt.renameType === "OBJECT_COLUMN" && stmt.relationType === "OBJECT_TABLE" && stmt.subname) {
    if (ctx.schema.isExisting(table)) {
      ctx.emit(
        "rename-column",
        `Renames column ${table}.${stmt.subname} to ${stmt.newname} while the running app still uses ${stmt.subname}.`,
      );
    }
    ctx.schema.renameColumn(table, stmt.subname, stmt.newname);
  }
}
