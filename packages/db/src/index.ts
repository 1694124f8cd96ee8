export { createDb, type Db, type DbOptions } from "./client.js";
export { migrationsDir, schemaFile } from "./migrations-dir.js";
export * as schema from "./schema.js";
