import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo root (tests/faults/support → three levels up). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Built entry points of the real processes (`pnpm turbo run build` first). */
export const entryPoints = {
  api: path.join(repoRoot, "apps/api/dist/main.js"),
  worker: path.join(repoRoot, "apps/migrator/dist/main.js"),
  cli: path.join(repoRoot, "packages/cli/dist/bin.js"),
} as const;

/** A pino JSON line from a process's stdout (non-JSON lines are kept as `{ msg: line }`). */
export type LogLine = { level?: number; msg?: string; [k: string]: unknown };

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned process with its captured output. */
export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed stdout lines (pino JSON). */
  logs(): LogLine[];
  /** Resolve with the first log line matching `pred` (already printed or still to come). */
  waitForLog(pred: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<Exit>;
  readonly running: boolean;
  /** Send `signal` (default SIGKILL) and wait for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Only what a process needs from our environment, so nothing of the test runner leaks in. */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "TZ", "TMPDIR"];
  return Object.fromEntries(
    keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k] as string]])),
  );
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === "object") return parsed as LogLine;
  } catch {
    // Human output (the CLI, a crash trace): keep it as a message.
  }
  return { msg: line };
}

/** Options of {@link spawnNode}. */
export interface SpawnOptions {
  /** RLIMIT_FSIZE in bytes for the process and its children (via util-linux `prlimit`). */
  limitFileSize?: number;
}

/** Spawn `node <script> args` with exactly `env` (plus PATH/HOME) and capture everything it prints. */
export function spawnNode(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  options: SpawnOptions = {},
): Proc {
  const argv = [process.execPath, script, ...args];
  const [command, ...rest] =
    options.limitFileSize === undefined ? argv : ["prlimit", `--fsize=${options.limitFileSize}`, ...argv];
  const child = spawn(command as string, rest, {
    cwd: repoRoot,
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(name, child);
}

/** Wrap any child process in a {@link Proc}. */
export function track(name: string, child: ChildProcess): Proc {
  let out = "";
  let err = "";
  let pending = "";
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let running = true;
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    pending += chunk.toString("utf8");
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) if (part.trim()) lines.push(parseLine(part));
    for (const w of waiters) w();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on("exit", (code, signal) => {
      running = false;
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  const proc: Proc = {
    name,
    pid: child.pid ?? -1,
    child,
    stdout: () => out,
    stderr: () => err,
    logs: () => lines,
    get running() {
      return running;
    },
    exited,
    waitForLog(pred, what, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit) done(null, hit);
          else if (!running) done(new Error(`${name} exited before logging ${what}:\n${out}\n${err}`));
        };
        const timer = setTimeout(
          () => done(new Error(`${name} did not log ${what} within ${timeoutMs} ms:\n${out}\n${err}`)),
          timeoutMs,
        );
        const done = (e: Error | null, line?: LogLine): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve(line as LogLine);
        };
        waiters.add(check);
        check();
      });
    },
    async kill(signal = "SIGKILL") {
      if (running) child.kill(signal);
      return exited;
    },
  };
  return proc;
}

/** Result of a finished CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI to completion (stdin/stdout are pipes, so it is not a TTY). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  const proc = spawnNode("cli", entryPoints.cli, args, env);
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { code: exit.code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Poll `fn` until it returns a truthy value; fail with the last value seen after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what} (last: ${last instanceof Error ? last.message : String(last)})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
