import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/testkit/{src,dist}/processes.*). */
export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
/** Built entry points the process tests run (`pnpm test` builds them first). */
export const apiMain = path.join(repoRoot, "apps/api/dist/main.js");
/** The built worker. */
export const workerMain = path.join(repoRoot, "apps/migrator/dist/main.js");
/** The built CLI (`pnpm cli`). */
export const cliMain = path.join(repoRoot, "packages/cli/dist/bin.js");

/** A pino line printed by a child process (non-JSON output is kept as `{ msg }`). */
export type LogLine = { level?: number; msg?: string; [k: string]: unknown };

type Match = string | RegExp | ((line: LogLine) => boolean);

function matches(line: LogLine, m: Match): boolean {
  if (typeof m === "function") return m(line);
  if (typeof m === "string") return line.msg === m;
  return m.test(String(line.msg ?? ""));
}

const running = new Set<ManagedProcess>();
// A crashed test run must not leave servers and workers behind.
process.once("exit", () => {
  for (const p of running) p.child.kill("SIGKILL");
});

/** A child process with its output captured line by line. */
export class ManagedProcess {
  readonly logs: LogLine[] = [];
  private readonly raw: string[] = [];
  private readonly waiters = new Set<() => void>();
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    running.add(this);
    const onData = (stream: NodeJS.ReadableStream | null) => {
      let buffer = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          this.push(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf("\n");
        }
      });
    };
    onData(child.stdout);
    onData(child.stderr);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        running.delete(this);
        this.exitCode = code;
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  private push(text: string): void {
    this.raw.push(text);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    this.logs.push(line);
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  /** Everything the process printed, for grepping (e.g. for secrets). */
  output(): string {
    return this.raw.join("\n");
  }

  /** Lines whose message equals a string, matches a regexp, or satisfies a predicate. */
  logged(m: Match): LogLine[] {
    return this.logs.filter((l) => matches(l, m));
  }

  /** Wait for a matching line; fails early, with the output, if the process exits first. */
  waitForLog(m: Match, timeoutMs = 20_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.logs.find((l) => matches(l, m));
        if (found) return done(null, found);
        if (this.exitCode !== undefined)
          return done(
            new Error(`${this.name} exited (${this.exitCode}) before logging ${String(m)}:\n${this.tail()}`),
          );
      };
      const timer = setTimeout(
        () =>
          done(new Error(`${this.name} did not log ${String(m)} within ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
      const done = (err: Error | null, line?: LogLine) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(line as LogLine);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The last lines of output, for failure messages. */
  tail(n = 30): string {
    return this.raw.slice(-n).join("\n");
  }

  /** SIGTERM (or `signal`), then SIGKILL after `timeoutMs`; resolves with the exit status. */
  async stop(options: { signal?: NodeJS.Signals; timeoutMs?: number } = {}) {
    if (this.exitCode === undefined) {
      this.child.kill(options.signal ?? "SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), options.timeoutMs ?? 10_000);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/** A spawned API with its base URL. */
export class ApiProcess extends ManagedProcess {
  url = "";

  /** `fetch` against this API. */
  fetch(pathname: string, init?: RequestInit): Promise<Response> {
    return fetch(new URL(pathname, this.url), init);
  }
}

/** Fail with a clear message when the apps were not built. */
export function assertBuilt(...files: string[]): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `Missing build output ${missing.join(", ")}: run \`pnpm build\` (or \`pnpm test\`, which builds first).`,
    );
  }
}

/** A minimal environment: nothing leaks in from the test runner's own variables. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    ...env,
  };
}

/** Stop every process still running (afterAll / afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
