import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsDir as seedMigrations } from "@tidemark/db";
import {
  copyMigrations,
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { CHROMIUM, CHROMIUM_ARGS } from "@tidemark/testkit/browser";
import {
  type ApiProcess,
  kill9,
  type ManagedProcess,
  spawnApi,
  spawnWorker,
} from "@tidemark/testkit/processes";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll } from "vitest";

/** Tokens of the API under test (long enough for the API's minimum). */
export const ADMIN_TOKEN = "dashboard-admin-token-0123456789abcdef";
export const STATUS_TOKEN = "dashboard-status-token-0123456789abcdef";

/** Where each state's screenshot goes for review (gitignored). */
export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "screenshots");

type Env = Record<string, string | undefined>;

/** One test's world: its own database, queue prefix, migrations copy and backup dir. */
export interface World {
  db: { name: string; url: string };
  /** This world's BullMQ key prefix (also in its Redis client names). */
  prefix: string;
  migrationsDir: string;
  backupDir: string;
  env(extra?: Env): Env;
  api: ApiProcess;
  worker: ManagedProcess;
}

const cleanups: (() => Promise<void>)[] = [];
let browser: Promise<Browser> | null = null;

afterAll(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
  const b = await browser?.catch(() => null);
  browser = null;
  await b?.close();
});

/** A world with a worker and an API already listening; `prepare` runs before they start. */
export async function createWorld(
  options: { env?: Env; prepare?: (w: { migrationsDir: string; dbUrl: string }) => Promise<void> } = {},
): Promise<World> {
  const db = await createTempDatabase("tm_dash");
  const prefix = uniqueQueuePrefix();
  const migrationsDir = await copyMigrations(seedMigrations);
  const backups = await tempDir("tm-dash-backups-");
  const backupDir = path.join(backups.dir, "backups");
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  const env = (extra: Env = {}): Env => ({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: prefix,
    TIDEMARK_MIGRATIONS_DIR: migrationsDir,
    TIDEMARK_ENV: "dashboard-test",
    BACKUP_DIR: backupDir,
    ADMIN_TOKEN,
    STATUS_TOKEN,
    TIDEMARK_NO_WORKER_MS: "3000",
    ...options.env,
    ...extra,
  });
  await options.prepare?.({ migrationsDir, dbUrl: db.url });
  const procs: ManagedProcess[] = [];
  cleanups.push(async () => {
    await Promise.allSettled(procs.map(kill9));
    await Promise.allSettled([dropDatabase(db.name), dropQueuePrefix(prefix), backups.cleanup()]);
  });
  const worker = await spawnWorker(env());
  procs.push(worker);
  const api = await spawnApi(env());
  procs.push(api);
  return { db, prefix, migrationsDir, backupDir, env, api, worker };
}

const dialogs = new WeakMap<Page, string[]>();

/** The dialogs (alert, confirm…) the page opened so far. */
export function dialogsOf(page: Page): string[] {
  return dialogs.get(page) ?? [];
}

/** A fresh browser page (own cookies) in the shared headless Chromium. */
export async function newPage(
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<Page> {
  browser ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await (await browser).newContext({
    viewport: { width: options.width ?? 1100, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  // Jobs run in the real worker on 2 shared cores: give waits room beyond Playwright's 30 s.
  page.setDefaultTimeout(60_000);
  // A script an attacker slipped in would most likely alert(): every dialog is recorded.
  const seen: string[] = [];
  dialogs.set(page, seen);
  page.on("dialog", (d) => {
    seen.push(d.message());
    void d.dismiss();
  });
  return page;
}

/** Sign in through the form, as a person would. */
export async function signIn(page: Page, api: ApiProcess, token: string): Promise<void> {
  await page.goto(`${api.url}/migrations`);
  await page.fill("#token", token);
  await Promise.all([page.waitForURL(`${api.url}/migrations`), page.click("#signin button[type=submit]")]);
}

/** Save a full-page screenshot of the current state for review. */
export async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Enqueue a job through the JSON API as the admin; returns the job id. */
export async function enqueue(
  api: ApiProcess,
  name: string,
  payload: Record<string, unknown> = {},
): Promise<string> {
  const res = await api.fetch("/migrations/jobs", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, payload }),
  });
  if (res.status !== 202) throw new Error(`enqueue ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { jobId: string }).jobId;
}

/** Wait until the job ends; returns its final state (`completed` or `failed`). */
export async function jobEnded(api: ApiProcess, jobId: string): Promise<string> {
  const { eventually } = await import("@tidemark/testkit");
  return eventually(async () => {
    const res = await api.fetch(`/migrations/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const job = (await res.json()) as { state?: string };
    return job.state === "completed" || job.state === "failed" ? job.state : null;
  }, `job ${jobId} to end`);
}
