// 100 open dashboards (each: the page, then its Server-Sent Events stream) against none:
// `GET /health/ready` p99 must not move by more than 2 ms (issue 17). The streams share one
// BullMQ QueueEvents subscription in the API, so they should cost sockets, not Redis work.
// Loopback only, bounded: a fixed number of probe requests per phase, four rounds each.
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { freePort, percentile, repoRoot, report, tempDb, waitFor200 } from "./support.mjs";

const apiMain = path.join(repoRoot, "apps/api/dist/main.js");
const DASHBOARDS = 100;
const PROBES = 3000;
const CONCURRENCY = 4;
const BUDGET_MS = 2;
const ROUNDS = 4;

/** p99 of PROBES sequential-per-worker `/health/ready` requests, in ms. */
async function probeP99(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const times = [];
  const one = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      http
        .get(`${base}/health/ready`, { agent }, (res) => {
          res.resume();
          res.on("end", () => {
            times.push(performance.now() - t0);
            resolve();
          });
        })
        .on("error", reject);
    });
  // Warm-up, not counted.
  for (let i = 0; i < 500; i++) await one();
  times.length = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = 0; i < PROBES / CONCURRENCY; i++) await one();
    }),
  );
  agent.destroy();
  return percentile(times, 99);
}

/** Open one dashboard: load the page, then hold its event stream open until `close`. */
async function openDashboard(base) {
  await (await fetch(`${base}/migrations`)).arrayBuffer();
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/migrations/events`, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`events: ${res.statusCode}`));
      res.once("data", () => resolve(() => req.destroy()));
    });
    req.on("error", (err) => (err.code === "ECONNRESET" ? undefined : reject(err)));
  });
}

export async function run() {
  const db = await tempDb();
  const port = await freePort();
  const child = spawn(process.execPath, [apiMain], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: db.url,
      MIGRATE_ON_BOOT: "inline",
      LOG_LEVEL: "warn",
      TIDEMARK_QUEUE_PREFIX: `bench-dash-${process.pid}`,
      RATE_LIMIT_PER_MINUTE: "100000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${base}/health/ready`, { timeoutMs: 30_000 });
    // Interleaved rounds, median of each side: the machine is shared, so one round is noise.
    const withoutRuns = [];
    const withRuns = [];
    const withDashboards = async () => {
      const closers = [];
      for (let i = 0; i < DASHBOARDS; i++) closers.push(await openDashboard(base));
      withRuns.push(await probeP99(base));
      for (const close of closers) close();
      await new Promise((r) => setTimeout(r, 200));
    };
    // The order alternates, so neither side always runs first (warm-up, GC) in its round.
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2) await withDashboards();
      withoutRuns.push(await probeP99(base));
      if (!(round % 2)) await withDashboards();
    }
    const without = percentile(withoutRuns, 50);
    const withOpen = percentile(withRuns, 50);
    report("/health/ready p99, no dashboards", without, "ms");
    report(
      `/health/ready p99, ${DASHBOARDS} open dashboards (SSE)`,
      withOpen,
      "ms",
      without,
      "no dashboards",
    );
    const moved = withOpen - without;
    console.log(
      `dashboard budget: p99 moved ${moved.toFixed(2)} ms (< ${BUDGET_MS} ms) — ${moved < BUDGET_MS ? "met" : "MISSED"}`,
    );
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
