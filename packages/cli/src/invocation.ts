/**
 * How the user typed the command, so hints name it the same way: `pnpm cli` when run
 * through the root package's `cli` script (pnpm sets npm_lifecycle_event), else `tidemark`.
 * Kept apart from config.ts so `--help` does not load zod and the engine to learn it.
 */
export function invocationName(env: Record<string, string | undefined> = process.env): string {
  return env.npm_lifecycle_event === "cli" ? "pnpm cli" : "tidemark";
}

/** How the user invoked the CLI: `pnpm cli` or `tidemark`; hints name commands this way. */
export const commandName = invocationName();
