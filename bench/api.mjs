// The API under load and at rest: GET /migrations/status throughput against a bare Fastify
// route, cold boot to ready on an up-to-date database against a bare Fastify boot, and RSS
// just after boot and at idle. Everything on loopback, bounded to about a minute.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import autocannon from "autocannon";
import { freePort, repoRoot, report, tempDb, waitFor200 } from "./support.mjs";

const apiMain = path.join(repoRoot, "apps/api/dist/main.js");
const LOAD_SECONDS = 5;
const CONNECTIONS = 10;
const BOOT_RUNS = 3;
const IDLE_SECONDS = 20;

// A bare Fastify app with the API's route table (read from apps/api/src, each answering a
// constant), no logger, on the port it is given: the floor for the API's cold boot.
const BARE = `
import Fastify from "fastify";
const app = Fastify();
for (const [method, url] of JSON.parse(process.env.ROUTES)) app.route({ method, url, handler: async () => ({ ok: true }) });
if (!JSON.parse(process.env.ROUTES).some(([m, u]) => m === "GET" && u === "/")) app.get("/", async () => ({ hello: "world" }));
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
`;

/** Method and URL of every route the API source registers (`app.get("/path"` and the like). */
async function apiRoutes() {
  const routes = new Set();
  for (const file of await readdir(path.join(repoRoot, "apps/api/src"), { recursive: true })) {
    if (!file.endsWith(".ts")) continue;
    const text = await readFile(path.join(repoRoot, "apps/api/src", file), "utf8");
    for (const m of text.matchAll(/app\.(get|post|put|patch|delete)(?:<[^>]*>)?\(\s*"([^"]+)"/g)) {
      routes.add(JSON.stringify([m[1].toUpperCase(), m[2]]));
    }
  }
  return JSON.stringify([...routes].map((r) => JSON.parse(r)));
}

async function start(kind, env) {
  const port = await freePort();
  const [args, cwd] =
    kind === "api"
      ? [[apiMain], repoRoot]
      : [["--input-type=module", "-e", BARE], path.join(repoRoot, "bench")];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** Spawn → first 200 from `readyPath`, in ms; leaves the process running. */
async function boot(kind, env, readyPath) {
  const t0 = performance.now();
  const proc = await start(kind, env);
  const base = proc.url;
  // Polled every 5 ms: this wait is the figure being measured.
  await waitFor200(new URL(readyPath, base).href, { timeoutMs: 30_000, pollMs: 5 });
  return { ms: performance.now() - t0, base, child: proc.child };
}

async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function rps(url) {
  // Warm up (JIT, pools, the status cache) before measuring.
  await autocannon({ url, connections: CONNECTIONS, duration: 1 });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: LOAD_SECONDS });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r.requests.average;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  if (!existsSync(apiMain)) throw new Error(`${apiMain} missing: run \`pnpm build\` first`);
  const db = await tempDb("tmb_api");
  // Request logging off for the load runs: the bare route has no logger either.
  // The rate limit off for the load run: it measures throughput, not the limiter.
  const env = {
    DATABASE_URL: db.url,
    MIGRATE_ON_BOOT: "inline",
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "100000000",
  };
  const running = [];
  try {
    // Bring the database up to date once, so the measured boots are the common case.
    const first = await boot("api", env, "/health/ready");
    await stop(first.child);

    const routes = await apiRoutes();
    const apiBoots = [];
    const bareBoots = [];
    for (let i = 0; i < BOOT_RUNS; i++) {
      const a = await boot("api", env, "/health/ready");
      apiBoots.push(a.ms);
      if (i < BOOT_RUNS - 1) await stop(a.child);
      else running.push(a);
      const b = await boot("bare", { ROUTES: routes }, "/health/ready");
      bareBoots.push(b.ms);
      if (i < BOOT_RUNS - 1) await stop(b.child);
      else running.push(b);
    }
    const [api, bare] = running;
    report(
      "api cold boot to ready (up-to-date db)",
      median(apiBoots),
      "ms",
      median(bareBoots),
      "bare Fastify boot, same routes",
    );

    report(
      "api RSS just after boot",
      await rssMb(api.child.pid),
      "MB",
      await rssMb(bare.child.pid),
      "bare Fastify",
    );
    // "Idle" as V8 sees it: with no allocation for a while its memory reducer shrinks the
    // young generation that boot-time schema compilation filled. Both processes wait alike.
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const [apiRss, bareRss] = [await rssMb(api.child.pid), await rssMb(bare.child.pid)];
    report(`api RSS at idle (${IDLE_SECONDS} s, target ≤ 120)`, apiRss, "MB", bareRss, "bare Fastify");

    const bareRps = await rps(`${bare.base}/`);
    const statusRps = await rps(`${api.base}/migrations/status`);
    report("GET /migrations/status (target ≥ 0.5×)", statusRps, "req/s", bareRps, "bare Fastify route");
  } finally {
    for (const p of running) await stop(p.child);
    await db.drop();
  }
}
