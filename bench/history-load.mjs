// /health/ready latency while 50 clients read /migrations/history?limit=1000 as fast as they can.
// Loopback only, bounded (LOAD_SECONDS per run). Before the history page was capped and reads
// rate-limited, each such request serialized 1,000 rows and starved the readiness probe.
// Usage: node bench/history-load.mjs [path/to/apps/api/dist/main.js] [KEY=VALUE…]
//   (default: this checkout's API; KEY=VALUE pairs are extra API environment, e.g.
//   RATE_LIMIT_PER_MINUTE=1000000 to measure the page cap alone)
import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { freePort, percentile, repoRoot, tempDb, waitFor200 } from "./support.mjs";

const args = process.argv.slice(2);
const apiMain = args.find((a) => !a.includes("=")) ?? path.join(repoRoot, "apps/api/dist/main.js");
const extraEnv = Object.fromEntries(
  args.filter((a) => a.includes("=")).map((a) => a.split(/=(.*)/s).slice(0, 2)),
);
const CLIENTS = 50;
const LOAD_SECONDS = 10;
const HISTORY_ROWS = 5000;
const TOKEN = "bench-token-0123456789abcdef0123";

/** Fill tidemark.history with copies of its rows, so a 1,000-row page is really 1,000 rows. */
async function fillHistory(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`
      insert into tidemark.history (revision, direction, checksum, started_at, finished_at, duration_ms,
                                    applied_by, environment, status, error, backup_file)
      select revision, direction, checksum, started_at, finished_at, duration_ms, applied_by,
             environment, status, error, backup_file
      from tidemark.history, generate_series(1, ${HISTORY_ROWS}) g limit ${HISTORY_ROWS}`;
  } finally {
    await sql.end();
  }
}

/** `clients` loops reading `path` until `until`; returns the status codes seen. */
async function load(base, pathname, until) {
  const statuses = new Map();
  const client = async () => {
    while (Date.now() < until) {
      const res = await fetch(`${base}${pathname}`, { headers: { authorization: `Bearer ${TOKEN}` } }).catch(
        () => null,
      );
      const code = res ? res.status : "error";
      await res?.arrayBuffer().catch(() => {});
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return Object.fromEntries(statuses);
}

/** Sequential /health/ready probes until `until`; returns their latencies in ms. */
async function probe(base, until) {
  const latencies = [];
  while (Date.now() < until) {
    const t0 = performance.now();
    await fetch(`${base}/health/ready`).then((r) => r.arrayBuffer());
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies;
}

async function measure(base, pathname) {
  const until = Date.now() + LOAD_SECONDS * 1000;
  const [statuses, latencies] = await Promise.all([
    pathname ? load(base, pathname, until) : Promise.resolve({}),
    probe(base, until),
  ]);
  return {
    statuses,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    probes: latencies.length,
  };
}

const db = await tempDb("tmb_history");
const port = await freePort();
const child = spawn(process.execPath, [apiMain], {
  cwd: repoRoot,
  env: {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    TIDEMARK_MIGRATIONS_DIR: path.join(repoRoot, "packages/db/migrations"),
    MIGRATE_ON_BOOT: "inline",
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: "error",
    ...extraEnv,
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
try {
  await waitFor200(`${base}/health/ready`);
  await fillHistory(db.url);
  const idle = await measure(base, null);
  console.log(
    `health/ready p99 (no load): ${idle.p99.toFixed(1)} ms (p50 ${idle.p50.toFixed(1)}, ${idle.probes} probes)`,
  );
  for (const pathname of ["/migrations/history?limit=1000", "/migrations/history?limit=100"]) {
    const r = await measure(base, pathname);
    console.log(
      `health/ready p99 (50 clients on ${pathname}): ${r.p99.toFixed(1)} ms (p50 ${r.p50.toFixed(1)}, ${r.probes} probes; answers ${JSON.stringify(r.statuses)})`,
    );
  }
} finally {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  await db.drop();
}
