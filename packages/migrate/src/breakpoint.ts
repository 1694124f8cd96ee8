/**
 * drizzle-kit's separator between statements of one migration file; drizzle-orm's migrator
 * splits a file on this exact text, so every reader of a migration splits on it too.
 */
export const BREAKPOINT = "--> statement-breakpoint";
