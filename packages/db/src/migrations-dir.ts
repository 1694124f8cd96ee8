import { fileURLToPath } from "node:url";

/** Absolute path of this package's drizzle-kit migrations folder. */
export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

/** Absolute path of the schema source, which drizzle-kit's API loads when generating. */
export const schemaFile = fileURLToPath(new URL("../src/schema.ts", import.meta.url));
