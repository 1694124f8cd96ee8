import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Shared vitest settings: workspace packages resolve to their TypeScript sources, so unit
 * tests never run against a stale build. (Tests that spawn apps use the built output.)
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tidemark\/(db|migrate|jobs|testkit)$/, replacement: `${root}packages/$1/src/index.ts` },
      { find: /^@tidemark\/migrate\/modules\/(.*)$/, replacement: `${root}packages/migrate/src/$1.ts` },
      {
        find: /^@tidemark\/testkit\/histories$/,
        replacement: `${root}packages/testkit/src/histories/index.ts`,
      },
      { find: /^@tidemark\/(db|jobs|testkit)\/(.*)$/, replacement: `${root}packages/$1/src/$2.ts` },
    ],
  },
  test: {
    setupFiles: [`${root}vitest.setup.ts`],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file has its own database and queue prefix, but the machine has 2 cores.
    maxWorkers: 2,
  },
});
