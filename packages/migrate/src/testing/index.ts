import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { upgrade } from "../commands/upgrade.js";
import type { Sql } from "../connection.js";
import { createEngineContext, processActor } from "../context.js";
import { quoteIdent } from "../quote.js";
import type { EngineContext } from "../types.js";
import { migrationsHash } from "./folder-hash.js";
import { dropTemplate, sealTemplate, staleTemplates, templateName, templateReady } from "./template.js";

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** The migrations folder every test database is migrated with. */
  migrationsDir: string;
  /** Any database on the test server; templates and copies are created beside it. */
  serverUrl: string;
  /** Prefix of the copies' names (default `test`). */
  prefix?: string;
  /** `TIDEMARK_ENV` the template is migrated under (default `test`). */
  environment?: string;
}

/** A migrated database of its own for one test; `drop()` removes it. */
export interface TestDatabase {
  name: string;
  url: string;
  /** The template it was copied from (one per migrations folder and content). */
  template: string;
  drop(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };
/** One small pool per server for the whole test process; idle sockets close so runners can exit. */
const servers = new Map<string, Sql>();
/** Templates this process built or saw finished: later copies skip the catalog check. */
const building = new Map<string, Promise<void>>();

function serverSql(serverUrl: string): Sql {
  let sql = servers.get(serverUrl);
  if (!sql) {
    sql = postgres(serverUrl, { max: 2, idle_timeout: 2, onnotice: () => {} });
    servers.set(serverUrl, sql);
  }
  return sql;
}

function urlOf(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * Migrate a fresh database as the template, on a session of its own holding an advisory lock,
 * so that test workers starting together build it once and the others wait for it.
 */
async function buildTemplate(options: TestDatabaseOptions, name: string): Promise<void> {
  const session = postgres(options.serverUrl, { max: 1, onnotice: () => {} });
  const key = `tidemark-template:${name}`;
  try {
    await session`select pg_advisory_lock(hashtext(${key}))`;
    if (await templateReady(session, name)) return;
    // A builder that crashed leaves an unsealed database behind: start again from nothing.
    await dropTemplate(session, name);
    await session.unsafe(`CREATE DATABASE ${quoteIdent(name)}`);
    try {
      await upgrade(templateContext(options, name));
    } catch (err) {
      await dropTemplate(session, name).catch(() => {});
      throw err;
    }
    await sealTemplate(session, name);
    for (const stale of await staleTemplates(session, name)) {
      // A stale template still being copied by an older run is left for the next build.
      await dropTemplate(session, stale).catch(() => {});
    }
  } finally {
    await session.end({ timeout: 5 });
  }
}

function templateContext(options: TestDatabaseOptions, name: string): EngineContext {
  return createEngineContext(
    {
      databaseUrl: urlOf(options.serverUrl, name),
      migrationsDir: options.migrationsDir,
      environment: options.environment ?? "test",
    },
    processActor("test"),
    silent,
  );
}

/** Build (or wait for) the template once per process. */
function ensureTemplate(admin: Sql, options: TestDatabaseOptions, name: string): Promise<void> {
  let pending = building.get(name);
  if (!pending) {
    pending = templateReady(admin, name).then((done) => (done ? undefined : buildTemplate(options, name)));
    building.set(name, pending);
    pending.catch(() => building.delete(name));
  }
  return pending;
}

/** Spares copied ahead of time, per template, so the next test only renames one (a few ms). */
const SPARES = 2;
/** Spare copies being made, per template. */
const refills = new Map<string, Set<Promise<void>>>();

function copyingFor(template: string): Set<Promise<void>> {
  let set = refills.get(template);
  if (!set) {
    set = new Set();
    refills.set(template, set);
  }
  return set;
}

function spareName(template: string): string {
  return `${template}_s${randomBytes(4).toString("hex")}`;
}

/** Copy one spare in the background; a failure only costs the next caller a direct copy. */
function refill(admin: Sql, template: string): void {
  const job = admin
    .unsafe(`CREATE DATABASE ${quoteIdent(spareName(template))} TEMPLATE ${quoteIdent(template)}`)
    .then(() => undefined)
    .catch(() => undefined)
    .finally(() => copyingFor(template).delete(job));
  copyingFor(template).add(job);
}

/**
 * Take a spare by renaming it: the rename succeeds for exactly one caller, in this process or
 * another, so two tests never share a spare. Spares left by an earlier run are used too.
 */
async function claimSpare(admin: Sql, template: string, name: string) {
  const spares = await admin<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${`${template}_s`})`;
  for (const [i, { datname }] of spares.entries()) {
    const claimed = await admin
      .unsafe(`ALTER DATABASE ${quoteIdent(datname)} RENAME TO ${quoteIdent(name)}`)
      .then(() => true)
      .catch(() => false);
    if (claimed) return { claimed, left: spares.length - i - 1 };
  }
  return { claimed: false, left: 0 };
}

/** Callers of this process take spares one at a time, so together they keep the bound. */
const claiming = new Map<string, Promise<unknown>>();

function oneAtATime<T>(template: string, fn: () => Promise<T>): Promise<T> {
  const next = (claiming.get(template) ?? Promise.resolve()).then(fn, fn);
  claiming.set(
    template,
    next.catch(() => {}),
  );
  return next;
}

/**
 * A fresh, fully migrated database for one test, in milliseconds whatever the history length:
 * the folder is migrated once into a template database (per content hash, shared by every test
 * process on the server), copies are made with `CREATE DATABASE … TEMPLATE` ahead of time, and
 * each call takes one by renaming it.
 */
export async function createTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const admin = serverSql(options.serverUrl);
  const template = templateName(options.migrationsDir, await migrationsHash(options.migrationsDir));
  await ensureTemplate(admin, options, template);
  const name = `${options.prefix ?? "test"}_${randomBytes(6).toString("hex")}`;
  const claimed = await oneAtATime(template, async () => {
    // Counted before the spares are listed: a copy that finishes in between is then counted
    // twice (one spare too few), never missed (one too many).
    const copying = copyingFor(template).size;
    const spare = await claimSpare(admin, template, name);
    for (let count = spare.left + copying; count < SPARES; count++) refill(admin, template);
    return spare.claimed;
  });
  if (!claimed) await admin.unsafe(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  return {
    name,
    url: urlOf(options.serverUrl, name),
    template,
    drop: async () => {
      await serverSql(options.serverUrl).unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}

/** Close the pooled server connections (for runners that wait for open sockets before exiting). */
export async function closeTestDatabases(): Promise<void> {
  await Promise.all([...refills.values()].flatMap((set) => [...set]));
  const pools = [...servers.values()];
  servers.clear();
  await Promise.all(pools.map((sql) => sql.end({ timeout: 5 })));
}
