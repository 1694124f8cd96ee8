import { spawn } from "node:child_process";
import { createServer } from "node:net";
import {
  ApiProcess,
  apiMain,
  assertBuilt,
  childEnv,
  cliMain,
  ManagedProcess,
  workerMain,
} from "./process.js";

/**
 * Start `apps/api` on a free port (PORT=0, the bound address is read from its log) and
 * resolve once it listens. It then migrates in the background: see {@link waitForReady}.
 */
export async function spawnApi(env: Record<string, string | undefined>, name = "api"): Promise<ApiProcess> {
  assertBuilt(apiMain);
  const child = spawn(process.execPath, [apiMain], {
    env: childEnv({ PORT: "0", HOST: "127.0.0.1", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const api = new ApiProcess(name, child);
  const line = await api.waitForLog(/^Server listening at http:\/\/127\.0\.0\.1:\d+$/);
  api.url = String(line.msg).replace("Server listening at ", "");
  return api;
}

/** True while the process has not exited. */
export function isRunning(p: ManagedProcess): boolean {
  return p.exitCode === undefined;
}

/** kill -9 and wait for the exit: no shutdown hook, no lock release, no goodbye to Redis. */
export async function kill9(p: ManagedProcess): Promise<void> {
  await p.stop({ signal: "SIGKILL" });
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Resolve only once the worker logs that it takes jobs (default true). */
  waitReady?: boolean;
  /** RLIMIT_FSIZE in bytes for the worker and its pg_dump (via util-linux `prlimit`). */
  limitFileSize?: number;
  /** Name in failure messages (default `worker`). */
  name?: string;
}

/** Start `apps/migrator`, optionally under a file-size limit or without waiting for Redis. */
export async function startWorker(
  env: Record<string, string | undefined>,
  options: WorkerOptions = {},
): Promise<ManagedProcess> {
  assertBuilt(workerMain);
  const argv = [process.execPath, workerMain];
  const [command, ...args] =
    options.limitFileSize === undefined ? argv : ["prlimit", `--fsize=${options.limitFileSize}`, ...argv];
  const child = spawn(command as string, args, { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const worker = new ManagedProcess(options.name ?? "worker", child);
  if (options.waitReady !== false) {
    await worker.waitForLog("migrator worker ready").catch(async (err: unknown) => {
      await kill9(worker);
      throw err;
    });
  }
  return worker;
}

/** Start `apps/migrator` and resolve once it is connected and taking jobs. */
export function spawnWorker(
  env: Record<string, string | undefined>,
  name = "worker",
): Promise<ManagedProcess> {
  return startWorker(env, { name });
}

/** Poll `GET /health/ready` until it answers 200; returns its body. Fails with the last answer. */
export async function waitForReady(api: ApiProcess, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return waitForHealth(api, (status) => status === 200, timeoutMs);
}

/** Poll `GET /health/ready` until `accept(status, body)`; returns the body. */
export async function waitForHealth(
  api: ApiProcess,
  accept: (status: number, body: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last = "(no answer)";
  for (;;) {
    try {
      const res = await api.fetch("/health/ready");
      const body = (await res.json()) as Record<string, unknown>;
      if (accept(res.status, body)) return body;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (err) {
      last = String(err);
    }
    if (api.exitCode !== undefined) throw new Error(`${api.name} exited (${api.exitCode}):\n${api.tail()}`);
    if (Date.now() > deadline) {
      throw new Error(
        `${api.name} /health/ready never matched within ${timeoutMs} ms; last: ${last}\n${api.tail()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Start the CLI in the background (e.g. to kill something while it waits for its job). */
export function spawnCli(args: string[], env: Record<string, string | undefined>): ManagedProcess {
  assertBuilt(cliMain);
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new ManagedProcess("cli", child);
}

/** Result of a finished CLI run, with stdout (reports, `--json`) and stderr (errors) apart. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI to completion; stdin and stdout are pipes, so it is not a TTY. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  assertBuilt(cliMain);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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
