import type { Db } from "@tidemark/db";

type Schema = typeof import("@tidemark/db/schema");

/** What the demo CRUD routes query with: the drizzle client, its tables and operators. */
export interface DemoDbModules {
  db: Db;
  users: Schema["users"];
  categories: Schema["categories"];
  asc: typeof import("drizzle-orm").asc;
  eq: typeof import("drizzle-orm").eq;
}

/**
 * The drizzle client of `/users` and `/categories`, loaded and opened on their first request.
 * Why: drizzle-orm is about 100 modules that readiness never needs; postgres.js connected
 * lazily already, so the pool itself behaves as before.
 */
export class DemoDb {
  private modules: Promise<DemoDbModules & { end(): Promise<void> }> | null = null;

  constructor(private readonly databaseUrl: string) {}

  /** The client, tables and operators, loaded on the first call. */
  get(): Promise<DemoDbModules> {
    this.modules ??= Promise.all([
      import("@tidemark/db/client"),
      import("@tidemark/db/schema"),
      import("drizzle-orm"),
    ]).then(([client, schema, { asc, eq }]) => {
      const { db, sql } = client.createDb(this.databaseUrl, { max: 5 });
      const { users, categories } = schema;
      return { db, users, categories, asc, eq, end: () => sql.end({ timeout: 5 }) };
    });
    return this.modules;
  }

  /** Close the pool if one was opened. */
  async close(): Promise<void> {
    await (await this.modules?.catch(() => undefined))?.end();
  }
}
