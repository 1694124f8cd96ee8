import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built entry point: these tests drive the CLI exactly as `pnpm cli` does. */
export const binPath = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `node dist/bin.js …args` with stdin and stdout as pipes (so never a TTY) and the given
 * environment on top of a minimal one, and collect its output.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(binPath)) {
    throw new Error(`${binPath} is missing: run \`pnpm --filter @tidemark/cli build\` first.`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      // pnpm sets npm_lifecycle_event for the root `cli` script; the CLI names its hints after it.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        npm_lifecycle_event: "cli",
        ...env,
      },
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
