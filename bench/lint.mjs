// Lint the 200-migration corpus (target ≤ 1 s, issue 8), against the time PostgreSQL's parser
// alone needs to read and parse the same files in the same run: the rules' own cost is the gap.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { lintMigrations, readMigrations } from "@tidemark/migrate";

const MIGRATIONS = 200;
const RUNS = 5;
const TARGET_MS = 1000;
const BREAKPOINT = "--> statement-breakpoint";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const corpusScript = path.join(repoRoot, "..", "shared", "bench", "corpus.mjs");

/** libpg-query as @tidemark/migrate resolves it (bench/ does not depend on it directly). */
async function loadParser() {
  const require = createRequire(fileURLToPath(import.meta.resolve("@tidemark/migrate")));
  const mod = await import(pathToFileURL(require.resolve("libpg-query")).href);
  await mod.loadModule();
  return mod;
}

/** Lowest of RUNS timings after one warm-up run (JIT, WASM instantiation, file cache). */
async function bestOf(fn) {
  await fn();
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function line(name, ms, ratio, baseline) {
  console.log(`${name}: ${ms.toFixed(ms < 10 ? 2 : 0)} ms (${ratio.toFixed(2)}× vs ${baseline})`);
}

export async function run() {
  if (!existsSync(corpusScript)) {
    console.log(
      `lint: skipped, corpus generator not found at ${corpusScript} (expected ../shared beside the repo)`,
    );
    return;
  }
  const out = await mkdtemp(path.join(tmpdir(), "tm-lint-bench-"));
  try {
    await promisify(execFile)(process.execPath, [corpusScript, String(MIGRATIONS), out]);
    const migrations = await readMigrations(path.join(out, "drizzle"));
    const { parseSync } = await loadParser();

    const parseOnly = await bestOf(async () => {
      for (const m of migrations) {
        const sql = await readFile(m.file, "utf8");
        for (const chunk of sql.split(BREAKPOINT)) if (chunk.trim()) parseSync(chunk);
      }
    });
    const lint = await bestOf(() => lintMigrations(migrations));

    line(`lint ${migrations.length} migrations`, lint, lint / TARGET_MS, `target ${TARGET_MS} ms`);
    line(`lint ${migrations.length} migrations vs parse only`, lint, lint / parseOnly, "parse only");
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

// Allow `node bench/lint.mjs` on its own as well as through bench/run.mjs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
