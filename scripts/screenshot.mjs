#!/usr/bin/env node
// Regenerate docs/dashboard.png from the real dashboard (the README shows it): a throw-away
// database brought up to date by a real API, one migration added so one is pending, a viewer
// signed in with STATUS_TOKEN and the pending migration opened to its SQL. Needs PostgreSQL,
// Redis, `pnpm build` and /usr/bin/chromium (`apt-get install -y chromium`).
//
// Usage: node scripts/screenshot.mjs [out.png]   (default docs/dashboard.png)
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// playwright-core and postgres are dependencies of the tests package, not of the repository root.
const require = createRequire(path.join(root, "tests", "package.json"));
const { chromium } = require("playwright-core");
const postgres = require("postgres");
// The same browser and flags as the dashboard tests (built: run `pnpm build` first).
const { CHROMIUM, CHROMIUM_ARGS } = await import(path.join(root, "packages/testkit/dist/browser.js"));

const out = path.resolve(process.argv[2] ?? path.join(root, "docs", "dashboard.png"));
// The services the tests use (scripts/services.sh starts them).
const adminUrl = "postgres://postgres@127.0.0.1:5432/postgres";
const token = "screenshot-status-token-0123456789";
const name = `tm_screenshot_${process.pid}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

async function admin(query) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(query);
  } finally {
    await sql.end();
  }
}

/** Add one pending migration to the journal copy, as drizzle-kit would write it. */
async function addPending(dir) {
  const tag = "0005_add_user_nickname";
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8"));
  const last = journal.entries.at(-1);
  journal.entries.push({ ...last, idx: journal.entries.length, when: last.when + 1000, tag });
  await writeFile(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
  // The index is built without CONCURRENTLY, so the picture shows a lint finding too.
  const up = [
    'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);',
    'CREATE INDEX "users_nickname_idx" ON "users" ("nickname");',
  ].join("\n--> statement-breakpoint\n");
  await writeFile(path.join(dir, `${tag}.sql`), `${up}\n`);
  await writeFile(
    path.join(dir, `${tag}.down.sql`),
    'DROP INDEX "users_nickname_idx";\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "nickname";\n',
  );
  return tag;
}

async function startApi(migrationsDir) {
  const child = spawn(process.execPath, [path.join(root, "apps/api/dist/main.js")], {
    env: {
      PATH: process.env.PATH,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: dbUrl,
      MIGRATE_ON_BOOT: "inline",
      TIDEMARK_MIGRATIONS_DIR: migrationsDir,
      TIDEMARK_ENV: "staging",
      TIDEMARK_QUEUE_PREFIX: `screenshot-${process.pid}`,
      STATUS_TOKEN: token,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`API exited (${code}) before listening`)));
  });
  child.stdout.resume();
  return { child, url };
}

async function waitReady(url) {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("API never became ready");
}

const tmp = await mkdtemp(path.join(tmpdir(), "tm-screenshot-"));
const migrationsDir = path.join(tmp, "migrations");
await cp(path.join(root, "packages/db/migrations"), migrationsDir, { recursive: true });
await admin(`create database "${name}"`);
let api;
let browser;
try {
  api = await startApi(migrationsDir);
  await waitReady(api.url);
  const tag = await addPending(migrationsDir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.goto(`${api.url}/migrations`);
  await page.fill("#token", token);
  await Promise.all([page.waitForURL(`${api.url}/migrations`), page.click("#signin button[type=submit]")]);
  // The status is cached for a second: wait until the page shows the new migration.
  for (let i = 0; i < 50 && !(await page.locator(`details[data-revision="${tag}"]`).count()); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await page.reload();
  }
  await page.click(`details[data-revision="${tag}"] summary`);
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await browser?.close();
  if (api) {
    const exited = new Promise((r) => api.child.once("exit", r));
    api.child.kill("SIGTERM");
    await exited;
  }
  await admin(`drop database if exists "${name}" with (force)`);
  await rm(tmp, { recursive: true, force: true });
}
