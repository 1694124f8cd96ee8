// Shared helpers for the benchmarks: throw-away databases, timing, the shared corpus, output lines.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
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

/** Path of the shared corpus generator, or null when no ../shared is beside the repo (or its worktree). */
export function corpusScript() {
  // A git worktree of the repository sits one level deeper than the main checkout.
  const candidates = [path.join(repoRoot, ".."), path.join(repoRoot, "..", "..")].map((dir) =>
    path.join(dir, "shared", "bench", "corpus.mjs"),
  );
  return candidates.find((file) => existsSync(file)) ?? null;
}

/** Generate the shared synthetic corpus of `n` migrations into `out`. */
export async function generateCorpus(n, out) {
  const script = corpusScript();
  if (!script)
    throw new Error("../shared/bench/corpus.mjs not found beside the repository; cannot build the corpus");
  await exec(process.execPath, [script, String(n), out]);
  return out;
}

/** The built CLI (TIDEMARK_BENCH_CLI points the benches at another build, to compare). */
export const cliBin =
  process.env.TIDEMARK_BENCH_CLI ?? path.join(repoRoot, "packages", "cli", "dist", "bin.js");
/** The whole-process drizzle-orm migrate() script. */
export const drizzleScript = path.join(repoRoot, "bench", "scripts", "drizzle-migrate.mjs");

/** Run a command to completion (throws on a non-zero exit); `env` is added to this one's. */
export function runProcess(command, args, env = {}) {
  return exec(command, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

/** Best time of each contender over `rounds` rounds taken in turns; `prepare` gives each its state. */
export async function bestInTurns(rounds, contenders, prepare = async () => ({}), cleanup = async () => {}) {
  const bestOf = Object.fromEntries(Object.keys(contenders).map((k) => [k, Number.POSITIVE_INFINITY]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const state = await prepare(name);
      try {
        bestOf[name] = Math.min(bestOf[name], await time(() => fn(state)));
      } finally {
        await cleanup(state);
      }
    }
  }
  return bestOf;
}

/** A free loopback port, for a process the bench starts (its own log level is turned down). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers 200; `pollMs` small where the wait itself is being timed. */
export async function waitFor200(url, { timeoutMs = 60_000, pollMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status === 200;
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
