// Fleet run: N fresh databases (FLEET_BENCH_TARGETS, default 200) × the seed history's pending
// migrations. Whole-process time of `fleet upgrade`, spawn to exit, with 1, 2 and 4 worker
// processes already started and ready, against a sequential shell loop of `upgrade --direct
// --yes` over the same targets. Every configuration gets freshly created databases and ends
// with `fleet status --json` showing each target at the latest revision, or the bench fails.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { migrationsDir } from "@tidemark/db";
import { createFleetClient } from "@tidemark/jobs";
import { dropQueuePrefix, redisUrl, uniqueId, uniqueQueuePrefix } from "@tidemark/testkit";
import { startWorker } from "@tidemark/testkit/processes";
import postgres from "postgres";
import { adminUrl, cliBin, dbUrl, exec, percentile, report } from "./support.mjs";

const TARGETS = Number(process.env.FLEET_BENCH_TARGETS ?? 200);
const WORKER_COUNTS = (process.env.FLEET_BENCH_WORKERS ?? "1,2,4").split(",").map(Number);
// Unset: the worker's own default (TIDEMARK_FLEET_CONCURRENCY 4), which is what is measured.
const CONCURRENCY = process.env.FLEET_BENCH_CONCURRENCY;
// CREATE DATABASE is cheap in parallel; DROP DATABASE forces a checkpoint, so drops go one at a time.
const PARALLEL_CREATES = 4;
const BASELINE = "shell loop";
/** Time spent creating and dropping the databases, outside every measurement. */
let databaseUpkeepMs = 0;

/** `fn`'s result; its time is added to {@link databaseUpkeepMs}. */
async function upkeep(fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    databaseUpkeepMs += performance.now() - t0;
  }
}

/** Run a command with only the variables given (nothing leaks in from the caller's TIDEMARK_*). */
function runWith(command, args, env) {
  const base = { PATH: process.env.PATH, HOME: process.env.HOME };
  return exec(command, args, { env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

async function journalTags() {
  const journal = JSON.parse(await readFile(path.join(migrationsDir, "meta", "_journal.json"), "utf8"));
  return journal.entries.map((e) => e.tag);
}

/** `n` new empty databases named `<tag>_<i>`, created a few at a time. */
async function createDatabases(tag, n) {
  const names = Array.from({ length: n }, (_, i) => `${tag}_${i}`);
  const sql = postgres(adminUrl, { max: PARALLEL_CREATES, onnotice: () => {} });
  let next = 0;
  try {
    const lane = async () => {
      while (next < names.length) await sql.unsafe(`create database "${names[next++]}"`);
    };
    await Promise.all(Array.from({ length: PARALLEL_CREATES }, lane));
  } finally {
    await sql.end();
  }
  return names;
}

/** Drop every database whose name starts with `tag` (also the ones a failed create left behind). */
async function dropDatabases(tag) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select datname from pg_database where starts_with(datname, ${tag})`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await sql.end();
  }
}

/** `fleet status --json`: every target at `latest` with nothing pending, or throw naming the others. */
async function verifyAtLatest(label, env, latest, n) {
  const { stdout } = await runWith(process.execPath, [cliBin, "fleet", "status", "--json"], env);
  const rows = JSON.parse(stdout);
  const wrong = rows.filter((r) => r.error || r.current !== latest || r.pending !== 0);
  if (rows.length !== n || wrong.length > 0) {
    const sample = wrong.slice(0, 5).map((r) => `${r.target}: ${r.error?.message ?? `at ${r.current}`}`);
    throw new Error(
      `${label}: ${wrong.length} of ${rows.length} targets (expected ${n}) are not at ${latest}:\n  ${sample.join("\n  ")}`,
    );
  }
}

/** The baseline: one `upgrade --direct --yes` process per target, one after the other, from bash. */
async function shellLoop(dir, names) {
  const urls = path.join(dir, "urls.txt");
  const script = path.join(dir, "loop.sh");
  await writeFile(urls, `${names.map(dbUrl).join("\n")}\n`);
  await writeFile(
    script,
    'set -eu\nwhile IFS= read -r url; do DATABASE_URL="$url" "$NODE" "$CLI" upgrade --direct --yes >/dev/null; done < "$URLS"\n',
  );
  const t0 = performance.now();
  await runWith("bash", [script], { NODE: process.execPath, CLI: cliBin, URLS: urls });
  return performance.now() - t0;
}

/** Start `count` workers on `env`'s queue and wait until all of them serve the fleet queue. */
async function startWorkers(count, env, client) {
  const workers = [];
  try {
    for (let i = 0; i < count; i++) workers.push(await startWorker(env, { name: `worker ${i + 1}` }));
    const deadline = Date.now() + 30_000;
    while ((await client.workerCount()) < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${await client.workerCount()} of ${count} fleet workers`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return workers;
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    throw err;
  }
}

const logTime = (workers, msg) => workers.flatMap((w) => w.logged(msg)).map((l) => Number(l.time));

/** Where the time of one run went, from the CLI's clock, the run's job and the workers' logs. */
function phases(spawnAt, exitAt, view, workers) {
  const created = Date.parse(view.createdAt);
  const finished = Date.parse(view.finishedAt);
  return {
    boot: created - spawnAt,
    pickup: Math.min(...logTime(workers, "job started")) - created,
    parentStep:
      Math.max(...logTime(workers, "fleet run completed")) - Math.max(...logTime(workers, "job completed")),
    followTail: exitAt - finished,
    targetP50: percentile(
      view.report.targets.map((t) => t.durationMs),
      50,
    ),
  };
}

/** One timed `fleet upgrade` with `count` workers ready; returns its time and phases. */
async function fleetRun(count, env, steps) {
  const client = createFleetClient({ redisUrl, prefix: env.TIDEMARK_QUEUE_PREFIX });
  let workers = [];
  try {
    workers = await startWorkers(count, env, client);
    const spawnAt = Date.now();
    const t0 = performance.now();
    const { stdout } = await runWith(process.execPath, [cliBin, "fleet", "upgrade"], env);
    const ms = performance.now() - t0;
    const exitAt = Date.now();
    const fleetId = /Fleet run (\S+): upgrade/.exec(stdout)?.[1];
    const view = fleetId ? await client.get(fleetId) : null;
    const short = view?.report.targets.filter((t) => t.status !== "applied" || t.steps !== steps) ?? [];
    if (view?.report.status !== "completed" || short.length > 0) {
      throw new Error(`fleet run ${fleetId} did not apply ${steps} migrations to every target:\n${stdout}`);
    }
    return { ms, ...phases(spawnAt, exitAt, view, workers) };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await client.close();
  }
}

/** Fresh databases and a fresh queue for one configuration; everything is removed afterwards. */
async function withFreshFleet(dir, fn) {
  const tag = uniqueId("tmb_fleet");
  const prefix = uniqueQueuePrefix();
  try {
    const names = await upkeep(() => createDatabases(tag, TARGETS));
    const targetsFile = path.join(dir, `${tag}.json`);
    await writeFile(targetsFile, JSON.stringify(names.map((name) => ({ name, url: dbUrl(name) }))));
    const env = {
      // The fleet commands never touch DATABASE_URL; a name of its own shows if anything did.
      DATABASE_URL: dbUrl(`${tag}_control`),
      REDIS_URL: redisUrl,
      TIDEMARK_QUEUE_PREFIX: prefix,
      TIDEMARK_TARGETS: targetsFile,
      BACKUP_DIR: path.join(dir, "backups"),
      ...(CONCURRENCY ? { TIDEMARK_FLEET_CONCURRENCY: CONCURRENCY } : {}),
    };
    return await fn(names, env);
  } finally {
    await dropQueuePrefix(prefix);
    await upkeep(() => dropDatabases(tag));
  }
}

function printRun(label, ms, loopMs) {
  report(`${label}: fleet upgrade, spawn → exit`, ms, "ms", loopMs, BASELINE);
  report(`${label}: throughput`, (TARGETS / ms) * 1000, "targets/s", (TARGETS / loopMs) * 1000, BASELINE);
}

function printPhases(label, p) {
  report(`${label}:   CLI spawn → run created`, p.boot, "ms");
  report(`${label}:   run created → first target started`, p.pickup, "ms");
  report(`${label}:   one target's job, p50`, p.targetP50, "ms");
  report(`${label}:   last target done → run completed (parent's final step)`, p.parentStep, "ms");
  report(`${label}:   run completed → CLI exit (300 ms follow poll + exit)`, p.followTail, "ms");
}

export async function run() {
  const started = performance.now();
  databaseUpkeepMs = 0;
  const dir = await mkdtemp(path.join(tmpdir(), "tmb-fleet-"));
  try {
    const tags = await journalTags();
    const latest = tags.at(-1);
    const perWorker = CONCURRENCY ?? "4 (default)";
    console.log(
      `fleet: ${TARGETS} fresh databases × ${tags.length} pending migrations; TIDEMARK_FLEET_CONCURRENCY ${perWorker} per worker; ${availableParallelism()} CPUs`,
    );
    const loopMs = await withFreshFleet(dir, async (names, env) => {
      const ms = await shellLoop(dir, names);
      await verifyAtLatest(BASELINE, env, latest, TARGETS);
      return ms;
    });
    report(`${BASELINE}: ${TARGETS} × upgrade --direct --yes, one after the other`, loopMs, "ms");
    report(`${BASELINE}: throughput`, (TARGETS / loopMs) * 1000, "targets/s");
    for (const count of WORKER_COUNTS) {
      const label = `${count} worker${count > 1 ? "s" : ""} × ${CONCURRENCY ?? 4}`;
      const result = await withFreshFleet(dir, async (_names, env) => {
        const r = await fleetRun(count, env, tags.length);
        await verifyAtLatest(label, env, latest, TARGETS);
        return r;
      });
      printRun(label, result.ms, loopMs);
      printPhases(label, result);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    const configurations = WORKER_COUNTS.length + 1;
    report("fleet bench, whole", (performance.now() - started) / 1000, "s");
    report(
      `fleet bench, of which creating and dropping ${configurations} × ${TARGETS} databases`,
      databaseUpkeepMs / 1000,
      "s",
    );
  }
}
