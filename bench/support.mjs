// Shared helpers for the benchmarks: throw-away databases, timing, the shared corpus, output lines.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";

export const exec = promisify(execFile);
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));
export const adminUrl = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** URL of database `name` on the bench server. */
export function dbUrl(name) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Create a throw-away database; returns { name, url, drop }. */
export async function tempDb(prefix = "tmb") {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  return {
    name,
    url: dbUrl(name),
    drop: async () => {
      const s = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}

/** Milliseconds taken by `fn`. */
export async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Best (lowest) of `runs` timings, each on fresh state from `prepare`. */
export async function best(runs, prepare, fn, cleanup) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const state = await prepare();
    try {
      min = Math.min(min, await time(() => fn(state)));
    } finally {
      await cleanup?.(state);
    }
  }
  return min;
}

/** Percentile of a sorted-on-the-fly sample. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Print one figure as `name: value unit (ratio× vs baseline)`. */
export function report(name, value, unit, baselineValue, baselineName) {
  const ratio = baselineValue ? ` (${(value / baselineValue).toFixed(2)}× vs ${baselineName})` : "";
  console.log(`${name}: ${value.toFixed(value < 10 ? 2 : 0)} ${unit}${ratio}`);
}

/** Path of the shared corpus generator, or null when ../shared is not beside the repo. */
export function corpusScript() {
  const file = path.join(repoRoot, "..", "shared", "bench", "corpus.mjs");
  return existsSync(file) ? file : null;
}

/** Generate the shared synthetic corpus of `n` migrations into `out`. */
export async function generateCorpus(n, out) {
  const script = corpusScript();
  if (!script)
    throw new Error("../shared/bench/corpus.mjs not found beside the repository; cannot build the corpus");
  await exec(process.execPath, [script, String(n), out]);
  return out;
}
