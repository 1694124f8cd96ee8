import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { migrationsDir } from "@tidemark/db";
import {
  createEngineContext,
  type EngineContext,
  type HistoryRow,
  history,
  withDatabase,
} from "@tidemark/migrate";
import { addMigration, copyMigrations, memoryLogger } from "@tidemark/testkit";

const mainJs = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** A requestedBy for test payloads. */
export const testRequester = { via: "test" as const, host: "vitest", pid: process.pid };

/** The revision the slow migration has, and the one after it. */
export const SLOW = "0005_slow_step";
export const AFTER_SLOW = "0006_after_slow";

/**
 * A copy of the seed migrations plus `0005_slow_step` (sleeps `seconds`) and
 * `0006_after_slow` (creates a table), to interrupt a run in a known place.
 */
export async function slowMigrations(seconds = 3): Promise<string> {
  const dir = await copyMigrations(migrationsDir);
  await addMigration(dir, SLOW, `SELECT pg_sleep(${seconds});\n`, "SELECT 1;\n");
  await addMigration(
    dir,
    AFTER_SLOW,
    'CREATE TABLE "after_slow" ("id" serial PRIMARY KEY);\n',
    'DROP TABLE "after_slow";\n',
  );
  return dir;
}

/** An engine context for reading a test database's history. */
export function readerContext(databaseUrl: string, dir = migrationsDir): EngineContext {
  return createEngineContext(
    { databaseUrl, migrationsDir: dir, environment: "test" },
    { via: "test", host: "vitest", pid: process.pid },
    memoryLogger(),
  );
}

/** `tidemark.history` oldest first. */
export async function historyOf(databaseUrl: string): Promise<HistoryRow[]> {
  return (await history(readerContext(databaseUrl), { limit: 1000 })).reverse();
}

/** Whether the engine ever touched the database (its state table exists). */
export async function hasStateTables(databaseUrl: string): Promise<boolean> {
  return withDatabase(databaseUrl, async (sql) => {
    const [row] = await sql<{ t: string | null }[]>`select to_regclass('tidemark.history')::text as t`;
    return row?.t != null;
  });
}

/** One pino line of a spawned worker. */
export type LogLine = { msg?: string; level: number; [k: string]: unknown };

/** A worker process started from the built `dist/main.js`. */
export interface WorkerProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Resolves with the first log line whose msg matches (and that passes `where`). */
  waitForLog(msg: string | RegExp, where?: (line: LogLine) => boolean): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** Spawn `node dist/main.js` with the given environment added to a minimal one. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", TIDEMARK_WORKER_STALLED_MS: "1000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let buffer = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ level: 30, msg: part });
      }
    }
    for (const w of waiters) w();
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  const waitForLog = (msg: string | RegExp, where: (line: LogLine) => boolean = () => true) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(
          (l) => (typeof msg === "string" ? l.msg === msg : msg.test(l.msg ?? "")) && where(l),
        );
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(
            new Error(
              `worker exited before logging "${msg}". stderr: ${stderr}\nstdout: ${JSON.stringify(lines)}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });
  return { child, lines, waitForLog, exited, stderr: () => stderr };
}
