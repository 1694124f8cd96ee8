import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { assertBuilt, repoRoot } from "./processes.js";

/** The built CLI (`node packages/cli/dist/bin.js`), as an installed `tidemark` binary runs it. */
export const cliMain = path.join(repoRoot, "packages/cli/dist/bin.js");

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the built CLI with pipes for stdin/stdout (never a TTY) and only `env` on top of
 * PATH/HOME; pass `npm_lifecycle_event: "cli"` to run it the way `pnpm cli` does.
 */
export function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  assertBuilt(cliMain);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run one query on `url` and return its rows. */
export async function query<T>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}
