import { createHash } from "node:crypto";
import path from "node:path";
import type { Sql } from "../connection.js";
import { quoteIdent } from "../quote.js";

/** Prefix of every template database this module makes, so old ones can be found and dropped. */
export const TEMPLATE_PREFIX = "tidemark_tpl_";

/**
 * Name of the template for one migrations folder at one content hash. The folder part keeps the
 * templates of two projects on one server apart; the hash part changes when a file does.
 */
export function templateName(migrationsDir: string, contentHash: string): string {
  const folder = createHash("sha256").update(path.resolve(migrationsDir)).digest("hex").slice(0, 8);
  return `${TEMPLATE_PREFIX}${folder}_${contentHash.slice(0, 16)}`;
}

/** True when the template exists and was finished (only finished templates are marked). */
export async function templateReady(admin: Sql, name: string): Promise<boolean> {
  const rows = await admin<{ ready: boolean }[]>`
    select datistemplate as ready from pg_database where datname = ${name}`;
  return rows[0]?.ready === true;
}

/**
 * Mark a migrated database as a finished template. Connections are refused from then on, since
 * `CREATE DATABASE … TEMPLATE` fails while anyone is connected to its source.
 */
export async function sealTemplate(admin: Sql, name: string): Promise<void> {
  await admin.unsafe(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
}

/** Drop a template database (it must be unmarked first: PostgreSQL refuses to drop a template). */
export async function dropTemplate(admin: Sql, name: string): Promise<void> {
  await admin.unsafe(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`).catch(() => {});
  await admin.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/**
 * Templates of the same folder built from older contents, and their spare copies: nothing will
 * copy or claim them again.
 */
export async function staleTemplates(admin: Sql, current: string): Promise<string[]> {
  const folderPrefix = current.slice(0, current.lastIndexOf("_") + 1);
  const rows = await admin<{ datname: string }[]>`
    select datname from pg_database
    where starts_with(datname, ${folderPrefix}) and not starts_with(datname, ${current})`;
  return rows.map((r) => r.datname);
}
