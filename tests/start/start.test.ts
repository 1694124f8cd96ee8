import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { childEnv, repoRoot } from "@tidemark/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `pnpm start`'s output, one line at a time, with the pino JSON of each app parsed. */
class Supervised {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    // Read to the end of the pipes, not to the exit of `child`: the apps may outlive it.
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(line);
        for (const w of this.waiters) w();
      });
    }
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** The first line of `app` whose pino message matches, parsed. */
  entry(app: string, msg: RegExp): Record<string, unknown> | undefined {
    for (const line of this.lines) {
      const m = /^(\S+)\s+\| (\{.*\})$/.exec(line);
      if (m?.[1] !== app) continue;
      const entry = JSON.parse(m[2] as string) as Record<string, unknown>;
      if (msg.test(String(entry.msg))) return entry;
    }
    return undefined;
  }

  /** Wait for a line satisfying `test`, failing with the output after `timeoutMs`. */
  waitFor<T>(test: () => T | undefined, what: string, timeoutMs = 180_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = test();
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms:\n${this.lines.slice(-30).join("\n")}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let db: { name: string; url: string };
const prefix = uniqueQueuePrefix();
const started: number[] = [];

function env() {
  return childEnv({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    PORT: "0",
    HOST: "127.0.0.1",
  });
}

/** Wait until both apps run: the worker takes jobs, the API listens and finished its boot migration. */
async function bothRunning(s: Supervised): Promise<{ api: number; worker: number; url: string }> {
  const worker = await s.waitFor(() => s.entry("migrator", /^migrator worker ready$/), "ready worker");
  const listening = await s.waitFor(() => s.entry("api", /^Server listening at /), "listening API");
  await s.waitFor(() => s.entry("api", /Database migrations completed/), "boot migration");
  const ids = { api: Number(listening.pid), worker: Number(worker.pid) };
  started.push(ids.api, ids.worker);
  return { ...ids, url: String(listening.msg).replace("Server listening at ", "") };
}

/** Both apps went through their own graceful shutdown and are gone, and the port is free. */
async function stoppedGracefully(s: Supervised, apps: { api: number; worker: number; url: string }) {
  await s.waitFor(() => s.entry("migrator", /^migrator worker stopped$/), "worker shutdown");
  await s.waitFor(() => s.lines.find((l) => /^start\s+\| api stopped \(code 0\)$/.test(l)), "API exit");
  await s.waitFor(
    () => s.lines.find((l) => /^start\s+\| migrator stopped \(code 0\)$/.test(l)),
    "worker exit",
  );
  await s.waitFor(() => (alive(apps.api) || alive(apps.worker) ? undefined : true), "both pids gone", 10_000);
  await expect(fetch(new URL("/health/live", apps.url))).rejects.toThrow();
}

beforeAll(async () => {
  db = await createTempDatabase("tm_start");
});

afterAll(async () => {
  for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  await dropDatabase(db.name);
  await dropQueuePrefix(prefix);
});

describe("root `pnpm start`", () => {
  it("stops the API and the worker gracefully when a process manager sends pnpm SIGTERM", {
    timeout: 300_000,
  }, async () => {
    const pnpm = spawn("pnpm", ["start"], { cwd: repoRoot, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    const s = new Supervised(pnpm);
    const apps = await bothRunning(s);
    pnpm.kill("SIGTERM"); // pnpm's pid only, as systemd (KillMode=process), pm2 or `kill` do
    await stoppedGracefully(s, apps);
    expect(await s.exited).toBe(0);
    expect(s.lines.some((l) => /^start\s+\| SIGTERM: stopping migrator, api/.test(l))).toBe(true);
    expect(s.lines.some((l) => /forcing: SIGKILL/.test(l))).toBe(false);
    // The signal itself reached the supervisor (pnpm forwards it to the exec'd node), rather
    // than the supervisor finding itself orphaned by a shell that died of it.
    expect(s.lines.some((l) => /the process that started us is gone/.test(l))).toBe(false);
  });

  it("stops both apps when whatever started it dies without passing a signal on", {
    timeout: 120_000,
  }, async () => {
    // A shell that stays the parent (`; true` keeps it from exec'ing node), then killed -9.
    const shell = spawn("sh", ["-c", "node scripts/start.mjs; true"], {
      cwd: repoRoot,
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const s = new Supervised(shell);
    const apps = await bothRunning(s);
    shell.kill("SIGKILL");
    await s.waitFor(
      () => s.lines.find((l) => /the process that started us is gone/.test(l)),
      "orphan notice",
    );
    await stoppedGracefully(s, apps);
  });
});
