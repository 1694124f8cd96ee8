#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild (`pnpm --filter @tidemark/cli build` runs it, then tsc
// writes the .d.ts files). Start-up then reads a handful of files instead of about 160 modules of the
// engine, zod, postgres and commander: each command's code (`commands/x.run.ts`) and every
// lazy `import()` becomes its own chunk, so a command still loads only what it runs.
// dist/bundle-meta.json (esbuild's metafile) says which source modules each chunk holds;
// test/startup.test.ts reads it to check what a command loads.
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const dist = new URL("../dist/", import.meta.url);

/**
 * Left as imports, resolved at run time from packages/cli (each one the bundle imports must be
 * a dependency of the CLI; checked below):
 * - @tidemark/db finds its migrations folder from its own file's location;
 * - libpg-query loads a .wasm file beside it; jiti loads files of its own by path; pino and
 *   pino-pretty are required at run time (by the CLI's logger on its first line), out of
 *   esbuild's sight;
 * - drizzle-kit, drizzle-orm, bullmq and ioredis are large and only used off the hot paths, and
 *   bullmq must see the same ioredis as the queue code.
 */
const external = [
  "@tidemark/db",
  "@tidemark/db/*",
  "libpg-query",
  "jiti",
  "pino",
  "pino-pretty",
  "drizzle-kit",
  "drizzle-kit/*",
  "drizzle-orm",
  "drizzle-orm/*",
  "bullmq",
  "ioredis",
];

/**
 * zod's `z.locales` holds its messages in ~50 languages (~370 kB, half of zod in the bundle),
 * compiled on every start-up though nothing reads them: every process prints zod's English
 * messages (the default zod sets from `locales/en.js` directly). Only `en` is kept.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
    }));
  },
};

await rm(dist, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { bin: "src/bin.ts", index: "src/index.ts" },
  absWorkingDir: fileURLToPath(new URL("..", import.meta.url)),
  outdir: "dist",
  // Chunks sit beside bin.js: code that reads `../package.json` from its own URL still finds it.
  chunkNames: "[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  plugins: [englishOnlyZod],
  // CommonJS dependencies (commander among them) call require() for Node's modules.
  banner: {
    js: "import { createRequire as __tmRequire } from 'node:module'; const require = __tmRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: "warning",
});

// An external the CLI does not depend on would only fail when a command reaches it.
const imported = new Set(
  Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path),
  ),
);
for (const specifier of imported) {
  const name = specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : specifier.split("/")[0];
  if (!existsSync(new URL(`../node_modules/${name}`, import.meta.url))) {
    throw new Error(`${specifier} is left out of the bundle but is not a dependency of @tidemark/cli`);
  }
}
await writeFile(new URL("bundle-meta.json", dist), JSON.stringify(result.metafile));
