import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";
import { binPath } from "./run-cli.js";

/** One step of a terminal session: wait until the screen shows `waitFor`, then type `send`. */
export interface PtyStep {
  waitFor: RegExp;
  send: string;
}

/** What a terminal session printed (ANSI escapes removed) and how it exited. */
export interface PtyResult {
  code: number | null;
  output: string;
}

/**
 * Run `node dist/bin.js …args` on a pseudo-terminal (util-linux `script`), so the CLI sees a
 * TTY on stdin and stdout and prompts as it would for a person; `steps` answer the prompts.
 */
export function runCliOnPty(
  args: string[],
  env: Record<string, string>,
  steps: PtyStep[],
  timeoutMs = 90_000,
): Promise<PtyResult> {
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing: build the CLI first.`);
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  // script's terminal has no size when its own stdin is not one: give it a wide one, or every
  // prompt wraps after each character.
  const command = `stty cols 240 rows 50; ${[process.execPath, binPath, ...args].map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TERM: "xterm", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    const pending = [...steps];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`terminal session timed out; screen so far:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      // Cursor moves, colours and erase sequences of the prompt library are not text.
      output += stripVTControlCharacters(d.toString());
      const next = pending[0];
      if (next?.waitFor.test(output)) {
        pending.shift();
        // Typed only once the prompt is on screen, as a person would.
        child.stdin.write(next.send);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Keys as a terminal sends them. */
export const keys = { enter: "\r", down: "\x1b[B", up: "\x1b[A" };
