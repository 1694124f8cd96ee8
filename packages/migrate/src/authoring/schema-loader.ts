import { existsSync } from "node:fs";
import path from "node:path";
import { TidemarkError } from "../errors.js";

/**
 * Load the drizzle schema module (TypeScript or JavaScript) and return its exports.
 * jiti's caches are off: authoring reads the schema after every edit, often in one process
 * (tests, the seed script), and a cached module would diff against a stale model.
 */
export async function loadSchemaModule(schemaFile: string): Promise<Record<string, unknown>> {
  const file = path.resolve(schemaFile);
  if (!existsSync(file)) {
    throw new TidemarkError(
      "TM_GENERATE_FAILED",
      `Schema file ${file} does not exist. Point Tidemark at the module exporting your drizzle tables.`,
      { details: { file } },
    );
  }
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
  try {
    const mod = (await jiti.import(file)) as Record<string, unknown>;
    // A namespace object is not a plain record; drizzle-kit only needs the named exports.
    return { ...mod };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TidemarkError(
      "TM_GENERATE_FAILED",
      `Schema file ${file} does not compile or fails to load:\n${reason}\nFix it and run the command again; nothing was written.`,
      { cause, details: { file } },
    );
  }
}
